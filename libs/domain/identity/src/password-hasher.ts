import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/** Portal passwords: argon2id with the library's recommended parameters. */
@Injectable()
export class PasswordHasher {
  // Verified when the account does not exist, so a wrong email costs as much time as a wrong
  // password and the answer time does not reveal which emails exist.
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) {
      this.dummy ??= this.hash('leasehold-timing-equaliser');
      await argon2.verify(await this.dummy, password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }
}

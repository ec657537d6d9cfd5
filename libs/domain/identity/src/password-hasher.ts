import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { ConfigService } from '@leasehold/config';

/**
 * Portal passwords: argon2id. Memory cost from PASSWORD_HASH_MEMORY_KIB (default 65536 = 64 MiB,
 * the library's recommendation; the test suite lowers it to keep hundreds of logins fast). A
 * hash records its own parameters, so changing the setting never breaks existing passwords.
 */
@Injectable()
export class PasswordHasher {
  private readonly memoryCost: number;

  constructor(config: ConfigService) {
    this.memoryCost = config.get('PASSWORD_HASH_MEMORY_KIB');
  }

  // Verified when the account does not exist, so a wrong email costs as much time as a wrong
  // password and the answer time does not reveal which emails exist.
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, memoryCost: this.memoryCost });
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

import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ConfigService } from '@leasehold/config';
import { DomainError } from '@leasehold/errors';
import { AccessTokenClaims } from './identity.types';

const AUDIENCE = 'leasehold-portal';

/**
 * Portal access tokens: HS256 JWTs carrying user id, vendor id, the user's tokenVersion and the
 * session (refresh-token family) id, valid
 * PORTAL_ACCESS_TOKEN_TTL_SECONDS. `now` is injectable so tests can issue already-expired tokens.
 */
@Injectable()
export class AccessTokens {
  readonly ttlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService,
  ) {
    this.ttlSeconds = config.get('PORTAL_ACCESS_TOKEN_TTL_SECONDS');
  }

  sign(claims: AccessTokenClaims, now = new Date()): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return this.jwt.signAsync({ ...claims, aud: AUDIENCE, iat, exp: iat + this.ttlSeconds });
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    let payload: Partial<AccessTokenClaims>;
    try {
      payload = await this.jwt.verifyAsync<Partial<AccessTokenClaims> & object>(token, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
      });
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError')
        throw new DomainError('TOKEN_EXPIRED', 'The access token has expired; refresh it');
      throw new DomainError('TOKEN_INVALID', 'The access token is not valid');
    }
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.vid !== 'string' ||
      typeof payload.tv !== 'number' ||
      typeof payload.sid !== 'string'
    ) {
      throw new DomainError('TOKEN_INVALID', 'The access token is not valid');
    }
    return { sub: payload.sub, vid: payload.vid, tv: payload.tv, sid: payload.sid };
  }
}

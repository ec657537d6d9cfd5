import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderBearerStrategy as Strategy } from './header-bearer.strategy';
import { ConfigService } from '@leasehold/config';
import { TenantContext } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';

export interface OperatorPrincipal {
  kind: 'operator';
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <OPERATOR_TOKEN>`: the platform operator (creates vendors). */
@Injectable()
export class OperatorStrategy extends PassportStrategy(Strategy, 'operator') {
  private readonly expected: Buffer;

  constructor(
    config: ConfigService,
    private readonly tenant: TenantContext,
  ) {
    super();
    this.expected = digest(config.get('OPERATOR_TOKEN'));
  }

  validate(token: string): OperatorPrincipal {
    // Compare digests so the comparison takes the same time whatever the token's length.
    if (!timingSafeEqual(digest(token), this.expected)) {
      throw new DomainError('OPERATOR_TOKEN_INVALID', 'The operator token is wrong');
    }
    // The audit trail names the operator as the actor of what follows (vendor creation, status).
    this.tenant.setActor({ type: 'OPERATOR', id: null });
    return { kind: 'operator' };
  }
}

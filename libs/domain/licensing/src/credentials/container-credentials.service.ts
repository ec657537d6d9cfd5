import { Injectable } from '@nestjs/common';
import { DomainError } from '@leasehold/errors';
import { hashContainerSecret, isWellFormedContainerSecret } from './container-secret';
import { ContainerCredentialsRepository } from './container-credentials.repository';
import { DevicePrincipal } from './device-principal';

// A container's access secret authenticates the licensed program. Only the current secret works:
// a reset replaces the stored hash in the same transaction that files the old one as retired, so
// the old secret fails from the moment the reset commits (on every replica; nothing is cached).

@Injectable()
export class ContainerCredentialsService {
  constructor(private readonly credentials: ContainerCredentialsRepository) {}

  async authenticate(token: string): Promise<DevicePrincipal> {
    if (!isWellFormedContainerSecret(token)) throw new DomainError('CREDENTIALS_INVALID', 'The container credentials are malformed');
    const hash = hashContainerSecret(token);
    const record = await this.credentials.findByHash(hash);
    if (!record) {
      if (await this.credentials.isRetired(hash)) {
        throw new DomainError('CREDENTIALS_REVOKED', 'These container credentials were reset; re-link the device with the new secret');
      }
      throw new DomainError('CREDENTIALS_INVALID', 'The container credentials are not known');
    }
    if (record.vendorStatus !== 'ACTIVE') throw new DomainError('VENDOR_SUSPENDED', 'The vendor account is suspended');
    return { kind: 'device', vendorId: record.vendorId, containerId: record.containerId, credentialVersion: record.credentialVersion };
  }
}

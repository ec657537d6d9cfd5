import { Module } from '@nestjs/common';
import { ContainerCredentialsRepository } from './container-credentials.repository';
import { ContainerCredentialsService } from './container-credentials.service';

/** Just the credential look-up, for the `device` authentication strategy. */
@Module({
  providers: [ContainerCredentialsRepository, ContainerCredentialsService],
  exports: [ContainerCredentialsService],
})
export class ContainerCredentialsModule {}

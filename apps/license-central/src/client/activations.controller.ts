import { IdempotentWrites } from '@leasehold/http';
import { Body, Controller, Delete, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { DevicePrincipal, DevicesService, DeviceView } from '@leasehold/domain-licensing';
import { DomainError } from '@leasehold/errors';
import { DeviceDto } from '../vendor/containers.dto';
import { ActivateDeviceDto, FingerprintDto } from './activations.dto';
import { FINGERPRINT_RULE, isFingerprint } from './fingerprint.property';
import { ClientErrors } from './client-errors';

@ApiTags('client')
@Authenticate('device')
@ClientErrors()
@IdempotentWrites()
@Controller('client/v1/activations')
export class ActivationsController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @ApiCreatedResponse({ type: DeviceDto, description: 'The device was activated.' })
  @ApiOkResponse({
    type: DeviceDto,
    description: 'This fingerprint was already active: the same device, not a second one.',
  })
  @ClientErrors(
    {
      status: 409,
      description:
        'DEVICE_LIMIT_REACHED (details.activeDevices names them) / CONTAINER_KIND_MISMATCH (ENTERPRISE container)',
    },
    {
      status: 403,
      description: "CONTAINER_ACCESS_REVOKED: the container's user was removed from their group or disabled",
    },
  )
  async activate(
    @CurrentPrincipal() principal: DevicePrincipal,
    @Body() body: ActivateDeviceDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeviceView> {
    const { device, created } = await this.devices.activate(principal.containerId, body);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return device;
  }

  @Post('deactivate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: DeviceDto,
    description: 'Deactivated; its slot is free (transfer = deactivate here, activate on the new device).',
  })
  @ClientErrors(
    { status: 404, description: 'NOT_FOUND: no active device with this fingerprint' },
    {
      status: 409,
      description:
        'ACTIVATION_CHURN_LIMIT: too many deactivations on this container in 30 days; allowed again after details.retryAfter seconds (no `Retry-After` header: this is not a rate limit)',
    },
  )
  deactivate(@CurrentPrincipal() principal: DevicePrincipal, @Body() body: FingerprintDto): Promise<DeviceView> {
    return this.devices.deactivateByFingerprint(principal.containerId, body.fingerprint, 'DEVICE');
  }

  @Delete(':fingerprint')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: DeviceDto,
    description: 'The same as POST /client/v1/activations/deactivate, with the fingerprint URL-encoded in the path.',
  })
  @ClientErrors(
    { status: 404, description: 'NOT_FOUND: no active device with this fingerprint' },
    {
      status: 409,
      description:
        'ACTIVATION_CHURN_LIMIT: too many deactivations on this container in 30 days; allowed again after details.retryAfter seconds (no `Retry-After` header)',
    },
  )
  remove(
    @CurrentPrincipal() principal: DevicePrincipal,
    @Param('fingerprint') fingerprint: string,
  ): Promise<DeviceView> {
    if (!isFingerprint(fingerprint)) {
      throw new DomainError('VALIDATION_FAILED', FINGERPRINT_RULE, {
        fields: [{ field: 'fingerprint', messages: [FINGERPRINT_RULE] }],
      });
    }
    return this.devices.deactivateByFingerprint(principal.containerId, fingerprint, 'DEVICE');
  }
}

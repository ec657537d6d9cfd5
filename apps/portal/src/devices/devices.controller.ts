import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import { DevicesService } from '@leasehold/domain-licensing';
import { IdParam } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { AuthenticatedErrors, GroupAdminErrors } from '../error-responses';
import { DeviceDto, DeviceListQueryDto, DevicePageDto, toDeviceDto } from './devices.dto';

const DEACTIVATION_ERRORS = [
  {
    status: 409,
    description:
      'DEVICE_ALREADY_DEACTIVATED / ACTIVATION_CHURN_LIMIT (too many deactivations on the container in 30 days; allowed again after `details.retryAfter` seconds; no `Retry-After` header)',
  },
  {
    status: 403,
    description:
      "RETURN_PROOF_INVALID: an OFFLINE device holds its slot until its grant ends (`offlineUntil`); only its program's release code frees it earlier",
  },
];

/** A group admin deactivates a device on one of the group's containers (frees its slot). */
@ApiTags('group devices')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/devices')
export class GroupDevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post(':deviceId/deactivate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: DeviceDto,
    description: 'The slot is free at once. Counts towards the activation churn limit of the container.',
  })
  @GroupAdminErrors(...DEACTIVATION_ERRORS)
  async deactivate(@CurrentPrincipal() me: PortalPrincipal, @IdParam('deviceId') deviceId: string): Promise<DeviceDto> {
    return toDeviceDto(await this.devices.deactivateInScope(deviceId, { groupId: adminGroupOf(me) }));
  }
}

/** Every portal user: the devices on their own PERSONAL containers. Anyone else's device is not found. */
@ApiTags('me')
@Authenticate('portal-jwt')
@AuthenticatedErrors()
@Controller('v1/me/devices')
export class MyDevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  @ApiOkResponse({ type: DevicePageDto, description: 'Devices activated on your PERSONAL containers.' })
  async list(@CurrentPrincipal() me: PortalPrincipal, @Query() query: DeviceListQueryDto): Promise<Page<DeviceDto>> {
    return paginate(
      query,
      (window) => this.devices.listOfUser(me.userId, { includeInactive: query.includeInactive, ...window }),
      toDeviceDto,
    );
  }

  @Post(':deviceId/deactivate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: DeviceDto,
    description:
      'Deactivate one of your devices, e.g. before moving to a new one (transfer). Counts towards the churn limit.',
  })
  @AuthenticatedErrors(
    { status: 404, description: 'NOT_FOUND (also for devices that are not yours)' },
    ...DEACTIVATION_ERRORS,
  )
  async deactivate(@CurrentPrincipal() me: PortalPrincipal, @IdParam('deviceId') deviceId: string): Promise<DeviceDto> {
    return toDeviceDto(await this.devices.deactivateInScope(deviceId, { userId: me.userId }));
  }
}

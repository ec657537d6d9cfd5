import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { DevicesService, DeviceView } from '@leasehold/domain-licensing';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { VendorErrors } from '../error-responses';
import { DeviceDto } from './containers.dto';

@ApiTags('devices')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post(':deviceId/deactivate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: DeviceDto,
    description: 'Frees the device slot. Not subject to (nor counted in) the activation churn limit.',
  })
  @VendorErrors(409)
  deactivate(@IdParam('deviceId') deviceId: string): Promise<DeviceView> {
    return this.devices.deactivateById(deviceId);
  }
}

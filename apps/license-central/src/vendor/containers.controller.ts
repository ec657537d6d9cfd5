import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import {
  ContainersService,
  ContainerView,
  ContainerWithSecret,
  DevicesService,
  DeviceView,
  LicensesService,
  LicenseView,
} from '@leasehold/domain-licensing';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, PageQueryDto, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import {
  ContainerDto,
  ContainerListQueryDto,
  ContainerPageDto,
  ContainerWithSecretDto,
  CreateContainerDto,
  DeviceListQueryDto,
  DevicePageDto,
  UpdateContainerDto,
} from './containers.dto';
import { CreateLicenseDto, LicenseDto, LicensePageDto } from './licenses.dto';

@ApiTags('containers')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/containers')
export class ContainersController {
  constructor(
    private readonly containers: ContainersService,
    private readonly licenses: LicensesService,
    private readonly devices: DevicesService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: ContainerWithSecretDto, description: 'The access secret is in this answer only.' })
  @VendorErrors(409)
  create(@Body() body: CreateContainerDto): Promise<ContainerWithSecret> {
    return this.containers.create(body);
  }

  @Get()
  @ApiOkResponse({ type: ContainerPageDto })
  async list(@Query() query: ContainerListQueryDto): Promise<Page<ContainerView>> {
    return paginate(query, (window) =>
      this.containers.list({ kind: query.kind, userId: query.userId, groupId: query.groupId, ...window }),
    );
  }

  @Get(':containerId')
  @ApiOkResponse({ type: ContainerDto })
  get(@IdParam('containerId') containerId: string): Promise<ContainerView> {
    return this.containers.get(containerId);
  }

  @Patch(':containerId')
  @ApiOkResponse({ type: ContainerDto })
  @VendorErrors(409)
  update(@IdParam('containerId') containerId: string, @Body() body: UpdateContainerDto): Promise<ContainerView> {
    return this.containers.update(containerId, body);
  }

  @Post(':containerId/credentials/reset')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: ContainerWithSecretDto,
    description:
      'A new access secret, in this answer only. The old one stops working at once; devices keep their activation and re-link with the new one.',
  })
  resetCredentials(@IdParam('containerId') containerId: string): Promise<ContainerWithSecret> {
    return this.containers.resetCredentials(containerId);
  }

  @Post(':containerId/licenses')
  @ApiCreatedResponse({ type: LicenseDto })
  @VendorErrors(409)
  createLicense(@IdParam('containerId') containerId: string, @Body() body: CreateLicenseDto): Promise<LicenseView> {
    return this.licenses.create(containerId, body);
  }

  @Get(':containerId/licenses')
  @ApiOkResponse({ type: LicensePageDto })
  async listLicenses(
    @IdParam('containerId') containerId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<LicenseView>> {
    await this.containers.get(containerId);
    return paginate(query, (window) => this.licenses.listByContainer(containerId, window));
  }

  @Get(':containerId/devices')
  @ApiOkResponse({ type: DevicePageDto })
  async listDevices(
    @IdParam('containerId') containerId: string,
    @Query() query: DeviceListQueryDto,
  ): Promise<Page<DeviceView>> {
    return paginate(query, (window) =>
      this.devices.list(containerId, { includeInactive: query.includeInactive, ...window }),
    );
  }
}

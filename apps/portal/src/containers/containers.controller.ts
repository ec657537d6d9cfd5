import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import { ContainersService, ContainerView, DevicesService, LicensesService } from '@leasehold/domain-licensing';
import { IdParam } from '@leasehold/http';
import { Page, PageQueryDto, paginate } from '@leasehold/db';
import { DeviceListQueryDto, DevicePageDto, DeviceDto, toDeviceDto } from '../devices/devices.dto';
import { AuthenticatedErrors, GroupAdminErrors } from '../error-responses';
import {
  ContainerDto,
  ContainerListQueryDto,
  ContainerPageDto,
  ResetCredentialsDto,
  toContainerDto,
  toResetCredentialsDto,
} from './containers.dto';

/** Containers with their licenses, as a portal list shows them (one query for the licenses of the page). */
async function withLicenses(licenses: LicensesService, containers: ContainerView[]): Promise<ContainerDto[]> {
  const rows = await licenses.listWithProductByContainers(containers.map((c) => c.id));
  return containers.map((c) => toContainerDto(c, rows));
}

/**
 * The containers of the admin's group: its ENTERPRISE containers and its members' PERSONAL ones.
 * A container of another group or vendor is not found here.
 */
@ApiTags('group containers')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/containers')
export class GroupContainersController {
  constructor(
    private readonly containers: ContainersService,
    private readonly licenses: LicensesService,
    private readonly devices: DevicesService,
  ) {}

  @Get()
  @ApiOkResponse({
    type: ContainerPageDto,
    description:
      "The group's containers, each with its licenses (product, features, quantity, validity, status, revision).",
  })
  async list(
    @CurrentPrincipal() me: PortalPrincipal,
    @Query() query: ContainerListQueryDto,
  ): Promise<Page<ContainerDto>> {
    const page = await paginate(query, (window) =>
      this.containers.list({ groupId: adminGroupOf(me), kind: query.kind, ...window }),
    );
    return { data: await withLicenses(this.licenses, page.data), nextCursor: page.nextCursor };
  }

  @Get(':containerId')
  @ApiOkResponse({ type: ContainerDto })
  async get(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('containerId') containerId: string,
  ): Promise<ContainerDto> {
    const container = await this.containers.get(containerId, { groupId: adminGroupOf(me) });
    return (await withLicenses(this.licenses, [container]))[0];
  }

  @Post(':containerId/credentials/reset')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: ResetCredentialsDto,
    description:
      'A new access secret, in this answer only. The old one stops working at once (CREDENTIALS_REVOKED); devices keep their activation and re-link with the new one. ' +
      'Concurrent resets run one after another: each answers a secret, and only the last one works.',
  })
  async resetCredentials(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('containerId') containerId: string,
  ): Promise<ResetCredentialsDto> {
    return toResetCredentialsDto(await this.containers.resetCredentials(containerId, { groupId: adminGroupOf(me) }));
  }

  @Get(':containerId/devices')
  @ApiOkResponse({
    type: DevicePageDto,
    description: 'Devices activated on the container (PERSONAL containers; ENTERPRISE ones hand out seats instead).',
  })
  async listDevices(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('containerId') containerId: string,
    @Query() query: DeviceListQueryDto,
  ): Promise<Page<DeviceDto>> {
    return paginate(
      query,
      (window) =>
        this.devices.list(
          containerId,
          { includeInactive: query.includeInactive, ...window },
          { groupId: adminGroupOf(me) },
        ),
      toDeviceDto,
    );
  }
}

/** Every portal user (member or admin): the PERSONAL containers assigned to them. */
@ApiTags('me')
@Authenticate('portal-jwt')
@AuthenticatedErrors()
@Controller('v1/me/containers')
export class MyContainersController {
  constructor(
    private readonly containers: ContainersService,
    private readonly licenses: LicensesService,
  ) {}

  @Get()
  @ApiOkResponse({ type: ContainerPageDto, description: 'Your PERSONAL containers, each with its licenses.' })
  async list(@CurrentPrincipal() me: PortalPrincipal, @Query() query: PageQueryDto): Promise<Page<ContainerDto>> {
    const page = await paginate(query, (window) =>
      this.containers.list({ userId: me.userId, kind: 'PERSONAL', ...window }),
    );
    return { data: await withLicenses(this.licenses, page.data), nextCursor: page.nextCursor };
  }
}

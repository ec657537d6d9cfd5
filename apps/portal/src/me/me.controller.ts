import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { UsersService, UserView } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import { AuthenticatedErrors } from '../error-responses';
import { UpdateMeDto, UserDto } from './me.dto';

/** Every portal user (member or admin): their own account. */
@ApiTags('me')
@Authenticate('portal-jwt')
@AuthenticatedErrors()
@Controller('v1/me')
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: UserDto })
  get(@CurrentPrincipal() me: PortalPrincipal): Promise<UserView> {
    return this.users.get(me.userId);
  }

  @Patch()
  @ApiOkResponse({ type: UserDto })
  update(@CurrentPrincipal() me: PortalPrincipal, @Body() body: UpdateMeDto): Promise<UserView> {
    return this.users.update(me.userId, { name: body.name });
  }
}

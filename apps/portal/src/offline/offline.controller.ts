import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import {
  OfflineActivationService,
  OfflineCodeResult,
  OfflineCodeResultDto,
  SubmitOfflineCodeDto,
  UpdateRequestedDto,
} from '@leasehold/domain-offline';
import { UpdatesService } from '@leasehold/domain-updates';
import { IdParam } from '@leasehold/http';
import { GroupAdminErrors } from '../error-responses';

/**
 * Offline activation by code exchange and "Update now" for a group admin, on the group's
 * containers only (another group's container is not found). docs/offline-licensing.md.
 */
@ApiTags('group')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/containers')
export class GroupOfflineController {
  constructor(
    private readonly offline: OfflineActivationService,
    private readonly updates: UpdatesService,
  ) {}

  @Post(':containerId/offline-activations')
  @ApiCreatedResponse({
    type: OfflineCodeResultDto,
    description: 'The response code for the program (activate, borrow), or the freed slot (release code).',
  })
  @GroupAdminErrors(
    {
      status: 400,
      description:
        'OFFLINE_CODE_INVALID (details.reason: INVALID_CHARACTER, WRONG_LENGTH, CHECKSUM_MISMATCH, UNSUPPORTED_CODE)',
    },
    {
      status: 409,
      description:
        'OFFLINE_CODE_ALREADY_USED / DEVICE_LIMIT_REACHED / CONTAINER_KIND_MISMATCH / NO_SEAT_AVAILABLE / ACTIVATION_CHURN_LIMIT (a release code beyond the churn limit; details.retryAfter seconds, no `Retry-After` header)',
    },
    {
      status: 422,
      description: 'OFFLINE_CODE_WRONG_CONTAINER / BORROW_TOO_LONG / BORROW_PAST_LICENSE_EXPIRY / BORROW_UNTIL_IN_PAST',
    },
    {
      status: 403,
      description:
        "RETURN_PROOF_INVALID: a release code without the program's return key (offline device, borrowed seat), or a renewal under another return key",
    },
  )
  submit(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('containerId') containerId: string,
    @Body() body: SubmitOfflineCodeDto,
  ): Promise<OfflineCodeResult> {
    return this.offline.submit({ containerId, ...body, scope: { groupId: adminGroupOf(me) } });
  }

  @Post(':containerId/update-now')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    type: UpdateRequestedDto,
    description: 'Programs waiting on GET /client/v1/updates are told at once to fetch their license.',
  })
  updateNow(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('containerId') containerId: string,
  ): Promise<{ containerId: string; revision: number }> {
    return this.updates.requestUpdate(containerId, { groupId: adminGroupOf(me) });
  }
}

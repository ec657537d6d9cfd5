import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import {
  OfflineActivationService,
  OfflineCodeResult,
  OfflineCodeResultDto,
  SubmitOfflineCodeDto,
  UpdateRequestedDto,
} from '@leasehold/domain-offline';
import { UpdatesService } from '@leasehold/domain-updates';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { VendorErrors } from '../error-responses';

/** Offline activation by code exchange and "update now", for the vendor. docs/offline-licensing.md, docs/auto-update.md. */
@ApiTags('containers')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/containers')
export class ContainerOfflineController {
  constructor(
    private readonly offline: OfflineActivationService,
    private readonly updates: UpdatesService,
  ) {}

  /**
   * Submits a request code (activate, borrow) and answers the response code for the program, or a
   * release code (deactivate), which frees the slot. Each code works once.
   * Errors: OFFLINE_CODE_INVALID (400, details.reason), OFFLINE_CODE_ALREADY_USED (409),
   * OFFLINE_CODE_WRONG_CONTAINER (422), DEVICE_LIMIT_REACHED (409), CONTAINER_KIND_MISMATCH (409),
   * NO_SEAT_AVAILABLE (409), BORROW_* (403/422), LICENSE_* (403/409), RETURN_PROOF_INVALID (403: a
   * release code without the program's return key for an offline device or a borrowed seat, or a
   * renewal under another return key), ACTIVATION_CHURN_LIMIT (409, details.retryAfter).
   */
  @Post(':containerId/offline-activations')
  @ApiCreatedResponse({ type: OfflineCodeResultDto })
  @VendorErrors(403, 409, 422, 429)
  submit(@IdParam('containerId') containerId: string, @Body() body: SubmitOfflineCodeDto): Promise<OfflineCodeResult> {
    return this.offline.submit({ containerId, ...body });
  }

  /** Wakes the container's programs waiting on GET /client/v1/updates: they fetch their license at once. */
  @Post(':containerId/update-now')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: UpdateRequestedDto })
  updateNow(@IdParam('containerId') containerId: string): Promise<{ containerId: string; revision: number }> {
    return this.updates.requestUpdate(containerId);
  }
}

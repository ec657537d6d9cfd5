import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { DevicePrincipal } from '@leasehold/domain-licensing';
import { MAX_WAIT_SECONDS, UpdateAnswer, UpdatesService } from '@leasehold/domain-updates';
import { ClientErrors } from './client-errors';

export class UpdatesQueryDto {
  @ApiProperty({ minimum: 0, description: 'The container revision the program knows (from its last answer; 0 at first).' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  knownRevision!: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: MAX_WAIT_SECONDS, description: 'Longest wait in seconds (0: answer at once).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  wait: number = MAX_WAIT_SECONDS;
}

class UpdateAnswerDto {
  @ApiProperty({ description: "The container's revision now (the sum of its licenses' revisions)." }) revision!: number;
  @ApiProperty({ description: 'True: fetch the license again (validate, GET /client/v1/license-file).' }) updateAvailable!: boolean;
  @ApiProperty({ enum: ['LICENSE_CHANGED', 'UPDATE_REQUESTED', 'TIMEOUT'] }) reason!: string;
}

/** Auto-update triggers for the licensed program: docs/auto-update.md. */
@ApiTags('client')
@Authenticate('device')
@ClientErrors()
@Controller('client/v1/updates')
export class UpdatesController {
  constructor(private readonly updates: UpdatesService) {}

  /**
   * Long-poll: answers at once when the container's revision is above `knownRevision`, within a
   * second of a license change or an admin's "update now", else after `wait` seconds with
   * `updateAvailable: false`. Ask again right after each answer.
   */
  @Get()
  @ApiOkResponse({ type: UpdateAnswerDto })
  async poll(@CurrentPrincipal() principal: DevicePrincipal, @Query() query: UpdatesQueryDto, @Res({ passthrough: true }) res: Response): Promise<UpdateAnswer> {
    // The program hung up (the response closed before it was sent): stop waiting at once.
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.on('close', onClose);
    try {
      return await this.updates.waitForUpdate(principal.vendorId, principal.containerId, query.knownRevision, query.wait, gone.signal);
    } finally {
      res.off('close', onClose);
    }
  }
}

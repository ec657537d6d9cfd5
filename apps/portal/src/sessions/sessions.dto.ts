import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '@leasehold/db';

/** Filters of the group's live leases (routes `/v1/group/sessions`: in paths, a session is a live lease). */
export class LiveLeaseQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only live leases of this license (of your group).' })
  @IsOptional()
  @IsUUID()
  licenseId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only live leases on this container (of your group).' })
  @IsOptional()
  @IsUUID()
  containerId?: string;
}

export class SeatQueueQueryDto extends LiveLeaseQueryDto {}

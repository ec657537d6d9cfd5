import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_WAIT_SECONDS } from '@leasehold/domain-updates';

/** Revisions are Postgres integers. */
export const MAX_REVISION = 2_147_483_647;

export class UpdatesStreamQueryDto {
  @ApiProperty({
    minimum: 0,
    description: 'The container revision the program knows (from its last answer; 0 at first).',
  })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_REVISION)
  knownRevision!: number;
}

export class UpdatesQueryDto extends UpdatesStreamQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    default: MAX_WAIT_SECONDS,
    description: 'Longest wait in seconds (0: answer at once).',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  wait: number = MAX_WAIT_SECONDS;
}

export class UpdateAnswerDto {
  @ApiProperty({ description: "The container's revision now (the sum of its licenses' revisions)." }) revision!: number;
  @ApiProperty({ description: 'True: fetch the license again (validate, GET /client/v1/license-file).' })
  updateAvailable!: boolean;
  @ApiProperty({ enum: ['LICENSE_CHANGED', 'UPDATE_REQUESTED', 'TIMEOUT'] }) reason!: string;
}

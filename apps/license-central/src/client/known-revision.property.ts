import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { fastField } from '@leasehold/http';

const MAX_REVISION = 2_147_483_647;

/** `knownRevision` for `@FastBody`. */
export const fastKnownRevision = fastField.optional(fastField.int(0, MAX_REVISION));

/** `knownRevision` of validate and heartbeat: what the program knows, to learn of updates. */
export const KnownRevisionProperty = () =>
  applyDecorators(
    ApiPropertyOptional({
      minimum: 0,
      example: 7,
      nullable: true,
      type: Number,
      description:
        'The container revision the program knows (the `revision` of its last answer): `updateAvailable` is true when the current one differs. Absent or null: not known.',
    }),
    IsOptional(),
    IsInt(),
    Min(0),
    Max(MAX_REVISION),
  );

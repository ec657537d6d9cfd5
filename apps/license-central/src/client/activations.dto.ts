import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { FastBody, fastField } from '@leasehold/http';
import { fastFingerprint, FingerprintProperty } from './fingerprint.property';
import { fastKnownRevision, KnownRevisionProperty } from './known-revision.property';

export class FingerprintDto {
  @FingerprintProperty()
  fingerprint!: string;
}

export class ActivateDeviceDto extends FingerprintDto {
  @ApiProperty({ example: "Jane's laptop", description: 'Shown to the user, e.g. in DEVICE_LIMIT_REACHED details.' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'windows-x64' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  platform?: string;
}

@FastBody({
  fingerprint: fastFingerprint,
  feature: fastField.optional(fastField.string(1, 64)),
  product: fastField.optional(fastField.string(1, 64)),
  nonce: fastField.optional(fastField.string(1, 128)),
  knownRevision: fastKnownRevision,
  userToken: fastField.optional(fastField.string(1, 4096)),
})
export class ValidateDto extends FingerprintDto {
  @ApiPropertyOptional({
    example: 'export-pdf',
    description: 'A feature code the program is about to use: FEATURE_NOT_LICENSED if the license lacks it.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  feature?: string;

  @ApiPropertyOptional({
    example: 'cargo-office',
    description: 'Product code, when the container holds licenses of several products.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  product?: string;

  @ApiPropertyOptional({
    description: 'Echoed inside the signed answer, so the program can tell a fresh answer from a replayed one.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  nonce?: string;

  @KnownRevisionProperty()
  knownRevision?: number | null;

  @ApiPropertyOptional({
    description:
      "The portal access token of the user running the program, as at checkout: `availability` then counts the seats this user's checkout could take (a reserved user sees their reservation's unused seats). Without it, availability is that of a checkout without a user. One more lookup per validation.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  userToken?: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { KnownRevisionProperty } from './known-revision.property';

// A fingerprint is whatever stable id the program derives from the machine (e.g. a hash of
// hardware ids); printable ASCII without spaces so it survives a URL path.
const FINGERPRINT = /^[\x21-\x7e]+$/;
const FINGERPRINT_MESSAGE = 'fingerprint must be printable ASCII without spaces';

export class FingerprintDto {
  @ApiProperty({ example: 'sha256:9f86d081884c7d65', minLength: 8, maxLength: 256 })
  @IsString()
  @Length(8, 256)
  @Matches(FINGERPRINT, { message: FINGERPRINT_MESSAGE })
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

export class ValidateDto extends FingerprintDto {
  @ApiPropertyOptional({ example: 'export-pdf', description: 'A feature code the program is about to use: FEATURE_NOT_LICENSED if the license lacks it.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  feature?: string;

  @ApiPropertyOptional({ example: 'cargo-office', description: 'Product code, when the container holds licenses of several products.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  product?: string;

  @ApiPropertyOptional({ description: 'Echoed inside the signed answer, so the program can tell a fresh answer from a replayed one.' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  nonce?: string;

  @KnownRevisionProperty()
  knownRevision?: number | null;
}

export { FINGERPRINT, FINGERPRINT_MESSAGE };

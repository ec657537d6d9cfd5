import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { GroupRole } from '@leasehold/db';

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const PASSWORD_RULE = 'password must be 10 to 200 characters';

export class VendorSlugField {
  @ApiProperty({ example: 'acme', description: "The vendor's slug: portal accounts are per vendor." })
  @IsString()
  @Length(1, 64)
  @Matches(SLUG, { message: 'vendor must be a vendor slug (lower-case letters, digits, "-")' })
  vendor!: string;
}

export class LoginDto extends VendorSlugField {
  @ApiProperty({ example: 'ada@customer.example' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @Length(1, 200)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token (`lhr_…`) of the last login or refresh.' })
  @IsString()
  @Length(1, 200)
  refreshToken!: string;
}

export class PasswordResetRequestDto extends VendorSlugField {
  @ApiProperty({ example: 'ada@customer.example' })
  @IsEmail()
  @MaxLength(320)
  email!: string;
}

export class NewPasswordDto extends VendorSlugField {
  @ApiProperty({ description: 'The one-time token from the invitation or reset link.' })
  @IsString()
  @Length(1, 200)
  token!: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @Length(10, 200, { message: PASSWORD_RULE })
  password!: string;
}

export class AcceptInvitationDto extends NewPasswordDto {
  @ApiPropertyOptional({ description: 'Replaces the name the inviter gave.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class TokenUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) groupId!: string | null;
  @ApiProperty({ enum: GroupRole, nullable: true }) role!: GroupRole | null;
}

export class TokenPairDto {
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Send as `Authorization: Bearer <accessToken>`.' }) accessToken!: string;
  @ApiProperty({ description: 'Seconds until the access token expires.' }) expiresIn!: number;
  @ApiProperty({ description: 'Single use: each refresh answers a new one. Presenting a used one ends the login.' })
  refreshToken!: string;
  @ApiProperty() refreshExpiresAt!: Date;
  @ApiProperty({ type: TokenUserDto }) user!: TokenUserDto;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsEmail, IsEnum, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@leasehold/http';

export enum RoleDto {
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}

export enum UserStatusDto {
  INVITED = 'INVITED',
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}

export enum ActorTypeDto {
  VENDOR_KEY = 'VENDOR_KEY',
  PORTAL_USER = 'PORTAL_USER',
  OPERATOR = 'OPERATOR',
  DEVICE = 'DEVICE',
  SYSTEM = 'SYSTEM',
}

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
  @ApiProperty({ enum: RoleDto, nullable: true }) role!: RoleDto | null;
}

export class TokenPairDto {
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Send as `Authorization: Bearer <accessToken>`.' }) accessToken!: string;
  @ApiProperty({ description: 'Seconds until the access token expires.' }) expiresIn!: number;
  @ApiProperty({ description: 'Single use: each refresh answers a new one. Presenting a used one ends the login.' }) refreshToken!: string;
  @ApiProperty() refreshExpiresAt!: Date;
  @ApiProperty({ type: TokenUserDto }) user!: TokenUserDto;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: UserStatusDto }) status!: UserStatusDto;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) groupId!: string | null;
  @ApiProperty({ enum: RoleDto, nullable: true }) role!: RoleDto | null;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserDto] }) data!: UserDto[];
}

export class InvitedUserDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'The invitation token goes to the vendor in the `user.invited` event.' }) invitationExpiresAt!: Date;
}

export class GroupInvitationDto {
  @ApiProperty({ example: 'grace@customer.example', description: 'The invited email, normalised (trimmed, lower case).' }) email!: string;
  @ApiProperty({ description: 'When an invitation sent now expires. The same answer whether or not the email already has an account.' }) invitationExpiresAt!: Date;
}

export class UpdateMeDto {
  @ApiProperty()
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class GroupDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class UpdateGroupDto {
  @ApiProperty({ example: 'Customer Ltd' })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class MemberListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the email or name.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ enum: UserStatusDto })
  @IsOptional()
  @IsEnum(UserStatusDto)
  status?: UserStatusDto;

  @ApiPropertyOptional({ enum: RoleDto })
  @IsOptional()
  @IsEnum(RoleDto)
  role?: RoleDto;
}

export class InviteMemberDto {
  @ApiProperty({ example: 'grace@customer.example' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'Grace Hopper' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ enum: RoleDto, default: RoleDto.MEMBER })
  @IsOptional()
  @IsEnum(RoleDto)
  role?: RoleDto;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: RoleDto })
  @IsEnum(RoleDto)
  role!: RoleDto;
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ActorTypeDto })
  @IsOptional()
  @IsEnum(ActorTypeDto)
  actorType?: ActorTypeDto;

  @ApiPropertyOptional({ description: 'The actor id (API key id or portal user id).' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  actorId?: string;

  @ApiPropertyOptional({ example: 'user' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  entityType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  entityId?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Entries at or after this time.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Entries before this time.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  to?: Date;
}

export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ActorTypeDto }) actorType!: ActorTypeDto;
  @ApiProperty({ nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ example: 'user.removed' }) action!: string;
  @ApiProperty({ example: 'user' }) entityType!: string;
  @ApiProperty({ nullable: true, type: String }) entityId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) groupId!: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) before!: unknown;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) after!: unknown;
  @ApiProperty() createdAt!: Date;
}

export class AuditPageDto extends PageMetaDto {
  @ApiProperty({ type: [AuditEntryDto] }) data!: AuditEntryDto[];
}

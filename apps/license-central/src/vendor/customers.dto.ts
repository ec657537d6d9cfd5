import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsEmail, IsEnum, IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ActorType, GroupRole, PageMetaDto, PageQueryDto, UserStatus } from '@leasehold/db';

export class CreateGroupDto {
  @ApiProperty({ example: 'Customer Ltd' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The customer's id in the vendor's ERP/CRM; unique per vendor.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string | null;
}

export class UpdateGroupDto extends PartialType(CreateGroupDto) {}

export class GroupListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name or externalId.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;
}

export class GroupDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class GroupPageDto extends PageMetaDto {
  @ApiProperty({ type: [GroupDto] }) data!: GroupDto[];
}

export class CreateUserDto {
  @ApiProperty({ example: 'ada@customer.example', description: 'Unique per vendor (case-insensitive).' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    type: String,
    nullable: true,
    description: 'The group to put the user in; none for an individual buyer.',
  })
  @IsOptional()
  @IsUUID()
  groupId?: string | null;

  @ApiPropertyOptional({
    enum: GroupRole,
    default: GroupRole.MEMBER,
    description: 'Role in the group (ignored without a group).',
  })
  @IsOptional()
  @IsEnum(GroupRole)
  role?: GroupRole;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string | null;
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string | null;

  @ApiPropertyOptional({
    enum: ['ACTIVE', 'DISABLED'],
    description: 'DISABLED ends the user’s portal sessions at once.',
  })
  @IsOptional()
  @IsIn(['ACTIVE', 'DISABLED'])
  status?: 'ACTIVE' | 'DISABLED';
}

export class UserListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive substring of the email or name.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  groupId?: string;

  @ApiPropertyOptional({ enum: UserStatus })
  @IsOptional()
  @IsEnum(UserStatus)
  status?: UserStatus;

  @ApiPropertyOptional({ enum: GroupRole })
  @IsOptional()
  @IsEnum(GroupRole)
  role?: GroupRole;
}

export class MembershipDto {
  @ApiProperty({ enum: GroupRole })
  @IsEnum(GroupRole)
  role!: GroupRole;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: UserStatus }) status!: UserStatus;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) groupId!: string | null;
  @ApiProperty({ enum: GroupRole, nullable: true }) role!: GroupRole | null;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserDto] }) data!: UserDto[];
}

export class InvitedUserDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'The invitation token is in the `user.invited` event (webhook), never in this answer.' })
  invitationExpiresAt!: Date;
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ActorType })
  @IsOptional()
  @IsEnum(ActorType)
  actorType?: ActorType;

  @ApiPropertyOptional({ description: 'The actor id (API key id or portal user id).' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  actorId?: string;

  @ApiPropertyOptional({ example: 'user', description: 'group, user, product, feature, api_key, vendor, …' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  entityType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  entityId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  groupId?: string;

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
  @ApiProperty({ enum: ActorType }) actorType!: ActorType;
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

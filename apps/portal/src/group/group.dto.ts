import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsEmail, IsEnum, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ActorType, GroupRole, PageMetaDto, PageQueryDto, UserStatus } from '@leasehold/db';
import { UserDto } from '../me/me.dto';

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserDto] }) data!: UserDto[];
}

export class InvitedUserDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'The invitation token goes to the vendor in the `user.invited` event.' })
  invitationExpiresAt!: Date;
}

export class GroupInvitationDto {
  @ApiProperty({
    example: 'grace@customer.example',
    description: 'The invited email, normalised (trimmed, lower case).',
  })
  email!: string;
  @ApiProperty({
    description:
      'When an invitation sent now expires. The same answer whether or not the email already has an account.',
  })
  invitationExpiresAt!: Date;
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

  @ApiPropertyOptional({ enum: UserStatus })
  @IsOptional()
  @IsEnum(UserStatus)
  status?: UserStatus;

  @ApiPropertyOptional({ enum: GroupRole })
  @IsOptional()
  @IsEnum(GroupRole)
  role?: GroupRole;
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

  @ApiPropertyOptional({ enum: GroupRole, default: GroupRole.MEMBER })
  @IsOptional()
  @IsEnum(GroupRole)
  role?: GroupRole;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: GroupRole })
  @IsEnum(GroupRole)
  role!: GroupRole;
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

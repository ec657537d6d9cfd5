import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { GroupRole, UserStatus } from '@leasehold/db';

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

export class UpdateMeDto {
  @ApiProperty()
  @IsString()
  @Length(1, 200)
  name!: string;
}

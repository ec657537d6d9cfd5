import { ApiProperty } from '@nestjs/swagger';

export class SigningKeyDto {
  @ApiProperty({
    example: '3f2a9c0b1d4e5f60',
    description: 'First 8 bytes (hex) of SHA-256 over the raw public key; signed envelopes name it.',
  })
  keyId!: string;
  @ApiProperty({ enum: ['Ed25519'] }) algorithm!: 'Ed25519';
  @ApiProperty({ description: 'SPKI PEM.' }) publicKeyPem!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'When it was rotated out; it no longer signs but still verifies.',
  })
  retiredAt!: Date | null;
}

export class SigningKeyListDto {
  @ApiProperty({ type: [SigningKeyDto] }) data!: SigningKeyDto[];
}

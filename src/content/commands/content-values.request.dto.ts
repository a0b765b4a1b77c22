import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';

/** The body of item creation and replacement: the values by field developer name. */
export class ContentValuesRequestDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Values by field developer name, checked against the content type',
    example: { title: 'Hello', published: true },
  })
  @IsObject()
  values!: Record<string, unknown>;
}

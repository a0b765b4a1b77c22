import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every error the API answers with (ApplicationErrorFilter, or Nest's own for validation and auth). */
export class ErrorResponseDto {
  @ApiProperty({ example: 404 })
  readonly statusCode!: number;

  @ApiProperty({ example: 'Not Found' })
  readonly error!: string;

  @ApiProperty({
    description: 'What is wrong; for an invalid body or query, one message per problem',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Background task 01936f6e-… was not found',
  })
  readonly message!: string | string[];

  @ApiPropertyOptional({
    description: 'A stable code for failures of a use case',
    example: 'BACKGROUND_TASK.NOT_FOUND',
  })
  readonly code?: string;
}

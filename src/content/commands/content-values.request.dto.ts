import { IsObject } from 'class-validator';

/** The body of item creation and replacement: the values by field developer name. */
export class ContentValuesRequestDto {
  @IsObject()
  values!: Record<string, unknown>;
}

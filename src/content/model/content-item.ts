/** A stored field value. Dates are `YYYY-MM-DD` strings; an empty or missing value is null. */
export type FieldValue = string | number | boolean | null;

export type FieldValues = Readonly<Record<string, FieldValue>>;

export interface ContentItem {
  readonly id: string;
  readonly contentTypeId: string;
  readonly values: FieldValues;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

import { Transform } from 'class-transformer';

/** DTO field: surrounding whitespace is removed before validation (non-strings pass untouched). */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError } from '../errors/app-error';

/** Bounds on what a hostile payload can make us echo back. */
const MAX_REPORTED_FIELDS = 10;
const MAX_FIELD_NAME_LENGTH = 64;

/**
 * Socket payload validation: the same rules as REST (unknown fields rejected, strings where strings
 * are expected, so `{"$ne": null}` never reaches a query), failing with VALIDATION_FAILED that
 * names the offending fields. Gateways must apply it themselves; APP_PIPE does not reach them.
 */
class WsValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Every request payload is an object; say so rather than list array indexes as fields.
    if (
      this.toValidate(metadata) &&
      (typeof value !== 'object' || value === null || Array.isArray(value))
    ) {
      throw new AppError('VALIDATION_FAILED', 'Invalid payload: expected an object');
    }
    return super.transform(value, metadata);
  }
}

export const createWsValidationPipe = (): ValidationPipe =>
  new WsValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new AppError('VALIDATION_FAILED', `Invalid payload: ${failingFields(errors).join(', ')}`),
  });

function failingFields(errors: ValidationError[], prefix = ''): string[] {
  const fields = errors.flatMap((error) => {
    const name = error.property ? `${prefix}${error.property}` : 'payload';
    return error.children?.length ? failingFields(error.children, `${name}.`) : [name];
  });
  const unique = [...new Set(fields)].map((f) =>
    f.length > MAX_FIELD_NAME_LENGTH ? `${f.slice(0, MAX_FIELD_NAME_LENGTH)}…` : f,
  );
  return unique.length > MAX_REPORTED_FIELDS
    ? [...unique.slice(0, MAX_REPORTED_FIELDS), `and ${unique.length - MAX_REPORTED_FIELDS} more`]
    : unique;
}

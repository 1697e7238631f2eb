import { ValidationPipe } from '@nestjs/common';

/**
 * REST validation: unknown fields are rejected (not silently dropped), values are converted to
 * the DTO's types, and class-validator's messages name the failing field.
 */
export const createHttpValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });

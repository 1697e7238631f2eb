import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type ValidatorOptions, validateSync } from 'class-validator';
import { AppError } from '../errors/app-error';
import { PROTOTYPE_KEYS } from '../http/json-body';
import { quickInstance } from './dto-fast-path';

/** Bounds on what a hostile payload can make us echo back. */
const MAX_REPORTED_FIELDS = 10;
const MAX_FIELD_NAME_LENGTH = 64;
/** No request has nested fields; deeper structures are refused before anything walks them. */
const MAX_PAYLOAD_DEPTH = 8;

/**
 * Socket payload validation: the same rules as REST (unknown fields rejected, strings where strings
 * are expected, so `{"$ne": null}` never reaches a query), failing with VALIDATION_FAILED that
 * names the offending fields. Gateways must apply it themselves; APP_PIPE does not reach them.
 */
class WsValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // What is not a DTO (the socket itself) goes through as the library passes it.
    if (!this.toValidate(metadata) || !metadata.metatype) return super.transform(value, metadata);
    // Every request payload is an object; say so rather than list array indexes as fields.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new AppError('VALIDATION_FAILED', 'Invalid payload: expected an object');
    }
    const problem = shapeProblem(value);
    if (problem) throw new AppError('VALIDATION_FAILED', `Invalid payload: ${problem}`);
    // The common case, a flat and valid payload, without the libraries' per-call work; anything
    // else goes through them (see quickInstance). It assumes this pipe's options: transform on.
    const quick = quickInstance(
      metadata.metatype as new () => object,
      value as Record<string, unknown>,
    );
    if (quick) return quick;
    return super.transform(value, metadata);
  }

  /**
   * The same rules, run synchronously: no request DTO has an asynchronous rule, and class-validator's
   * `validate` builds promises per rule and per field for every message of every socket.
   */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }
}

/**
 * Socket.IO parses payloads with plain JSON.parse, so a `__proto__` key arrives as an own
 * property; like REST bodies, payloads carrying a prototype key at any depth are refused (Nest's
 * pipe would silently drop `__proto__` and accept the rest). Walked without recursion.
 */
function shapeProblem(payload: unknown): string | null {
  const pending: [value: unknown, depth: number][] = [[payload, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_PAYLOAD_DEPTH) return 'nested too deeply';
    for (const [key, child] of Object.entries(value)) {
      if (PROTOTYPE_KEYS.has(key)) return `${key} is not allowed`;
      pending.push([child, depth + 1]);
    }
  }
  return null;
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

import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/**
 * Characters that draw nothing or change how the rest is drawn: control characters (NUL, BEL,
 * line breaks), format characters (zero-width spaces and joiners, bidi overrides such as
 * U+202E, soft hyphens), line and paragraph separators and lone surrogates. In a name or an
 * email they serve only to make two identities look alike or to reorder what others read.
 */
const ONLY_VISIBLE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]*$/u;

/** One spelling per address: composed (NFC), then lower case, so "é" typed either way is one user. */
export const normalizeEmail = (email: string): string =>
  email.trim().normalize('NFC').toLowerCase();

const whenString =
  (change: (value: string) => string) =>
  ({ value }: { value: unknown }): unknown =>
    typeof value === 'string' ? change(value) : value;

const visibleOnly = (): PropertyDecorator =>
  Matches(ONLY_VISIBLE, {
    message: `$property must not contain control, zero-width or bidirectional formatting characters`,
  });

/** DTO field: an email address, normalized before it is validated, compared or stored. */
export const EmailField = (): PropertyDecorator =>
  applyDecorators(Transform(whenString(normalizeEmail)), IsEmail(), MaxLength(254), visibleOnly());

/** DTO field: a one-line name or title people read, trimmed and composed (NFC). */
export const DisplayText = (maxLength: number): PropertyDecorator =>
  applyDecorators(
    Transform(whenString((value) => value.trim().normalize('NFC'))),
    IsString(),
    IsNotEmpty(),
    MaxLength(maxLength),
    visibleOnly(),
  );

/**
 * Text that may span lines (a description): tabs and line breaks are fine, other control
 * characters, bidirectional overrides and lone surrogates are not. Zero-width joiners stay
 * allowed here, as emoji sequences use them.
 */
const MULTILINE_VISIBLE =
  /^(?:[\t\n\r]|[^\p{Cc}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069])*$/u;

/** DTO field: text that may span lines, composed (NFC), stored as sent otherwise. */
export const MultilineText = (maxLength: number): PropertyDecorator =>
  applyDecorators(
    Transform(whenString((value) => value.normalize('NFC'))),
    IsString(),
    MaxLength(maxLength),
    Matches(MULTILINE_VISIBLE, {
      message: '$property must not contain control or bidirectional formatting characters',
    }),
  );

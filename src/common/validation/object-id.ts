import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { Matches } from 'class-validator';

/** The 24-hex-digit form of a MongoDB ObjectId; anything else never reaches a query. */
export const OBJECT_ID_PATTERN = /^[0-9a-fA-F]{24}$/;

export const isObjectIdString = (value: unknown): value is string =>
  typeof value === 'string' && OBJECT_ID_PATTERN.test(value);

/**
 * DTO field: a string holding an ObjectId (an object such as {"$ne": null} fails), lower-cased so
 * that one id always names one room.
 */
export const IsObjectIdString = (): PropertyDecorator => (target, key) => {
  Transform(({ value }: { value: unknown }) =>
    isObjectIdString(value) ? value.toLowerCase() : value,
  )(target, key);
  Matches(OBJECT_ID_PATTERN, { message: '$property must be an ObjectId (24 hex digits)' })(
    target,
    key,
  );
};

/** Route parameter: a malformed id is a 400, never a 500 from a failed cast. */
export class ParseObjectIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isObjectIdString(value)) {
      throw new BadRequestException('Invalid id: expected an ObjectId (24 hex digits)');
    }
    return value.toLowerCase();
  }
}

import { REQUEST_ID_PATTERN } from '@collabcampus/protocol';
import { applyDecorators } from '@nestjs/common';
import { Matches, ValidateIf } from 'class-validator';

/** A change's optional `requestId` (see RememberedReplies): present means well formed. */
export const RequestId = (): PropertyDecorator =>
  applyDecorators(
    ValidateIf((_dto, value) => value !== undefined),
    Matches(REQUEST_ID_PATTERN, {
      message: '$property must be 1 to 64 characters from 0-9, A-Z, a-z, _ and -',
    }),
  );

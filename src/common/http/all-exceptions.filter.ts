import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { AppError, type ErrorCode } from '../errors/app-error';

/** Domain errors thrown by shared services, as HTTP statuses. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  CONFLICT: HttpStatus.CONFLICT,
  LOCKED: HttpStatus.LOCKED,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  LIMIT_EXCEEDED: HttpStatus.CONFLICT,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
};

export interface HttpErrorBody {
  [detail: string]: unknown;
  statusCode: number;
  message: string | string[];
  error?: string;
  correlationId?: string;
}

/**
 * The single REST error shape. HTTP exceptions keep their status and message; anything else
 * (a database error, a bug) is logged with a correlation id and answered with a generic 500,
 * so no stack trace, driver message or secret reaches a client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (!response.headersSent) response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): HttpErrorBody {
    if (exception instanceof AppError && exception.code !== 'INTERNAL') {
      // Details such as a lock's {heldBy, expiresAt} sit beside the message, as on sockets.
      return {
        ...exception.data,
        statusCode: STATUS_BY_CODE[exception.code],
        message: exception.message,
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const payload = exception.getResponse() as unknown;
      if (typeof payload === 'string') return { statusCode, message: payload };
      const { message, error } = (payload ?? {}) as { message?: unknown; error?: unknown };
      return {
        statusCode,
        message: isMessage(message) ? message : exception.message,
        ...(typeof error === 'string' ? { error } : {}),
      };
    }
    const correlationId = randomUUID();
    this.logger.error(
      `Unhandled error ${correlationId}`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      message: 'Internal server error',
      correlationId,
    };
  }
}

const isMessage = (value: unknown): value is string | string[] =>
  typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));

import { randomUUID } from 'node:crypto';
import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  ConflictException,
  type ExceptionFilter,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { SecurityAudit, type RefusalReason } from '../../observability/security-audit.service';
import { AppError, type ErrorCode } from '../errors/app-error';
import type { Ack, WsErrorBody } from './ack';

/** Index of the acknowledgement callback in a Nest WebSocket handler's arguments. */
const ACK_ARG_INDEX = 2;

/** Refusals that go to the security audit log (RATE_LIMITED is logged where it is decided). */
const AUDITED: Partial<Record<ErrorCode, RefusalReason>> = {
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  VALIDATION_FAILED: 'validation-failed',
};

/**
 * The single socket error shape. A failed request is answered through its ack callback, or, when
 * the client sent none, as an `error` event. Expected failures keep their code; anything else is
 * logged here with a correlation id and reaches the client only as INTERNAL / "Server error".
 */
@Catch()
@Injectable()
export class WsExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsExceptions');

  constructor(private readonly audit: SecurityAudit) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const socket = host.switchToWs().getClient<Socket>();
    const ack: unknown = host.getArgByIndex(ACK_ARG_INDEX);
    const event = host.switchToWs().getPattern();
    const error = this.toErrorBody(exception, event);
    const reason = AUDITED[error.code];
    if (reason) {
      const { user, ip } = socket.data as { user?: { id: string }; ip?: string };
      this.audit.refused({ reason, ip, userId: user?.id, namespace: socket.nsp.name, event });
    }
    if (typeof ack === 'function') (ack as (reply: Ack<never>) => void)({ ok: false, error });
    else socket.emit('error', error);
  }

  private toErrorBody(exception: unknown, event: string): WsErrorBody {
    if (exception instanceof AppError) {
      const { code, message, data } = exception;
      return data ? { code, message, data } : { code, message };
    }
    const known = knownHttpError(exception);
    if (known) return known;
    const correlationId = randomUUID();
    this.logger.error(
      `Unhandled error ${correlationId} in "${event}"`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return { code: 'INTERNAL', message: 'Server error' };
  }
}

/** Nest's own exceptions (from shared guards and pipes) in the socket vocabulary. */
function knownHttpError(exception: unknown): WsErrorBody | null {
  if (exception instanceof WsException) {
    // Nest throws this when a guard returns false.
    return { code: 'FORBIDDEN', message: 'Forbidden' };
  }
  if (!(exception instanceof HttpException)) return null;
  const message = exception.message;
  if (exception instanceof BadRequestException) return { code: 'VALIDATION_FAILED', message };
  if (exception instanceof UnauthorizedException) return { code: 'UNAUTHORIZED', message };
  if (exception instanceof ForbiddenException) return { code: 'FORBIDDEN', message };
  if (exception instanceof NotFoundException) return { code: 'NOT_FOUND', message };
  if (exception instanceof ConflictException) return { code: 'CONFLICT', message };
  return null;
}

import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/**
 * A Nest logger that keeps every line it is given (all levels, with context and stack), so tests
 * can assert on what would have been written. Errors are also printed, to keep failures visible.
 */
export class CapturingLogger extends ConsoleLogger {
  readonly lines: string[] = [];

  constructor() {
    super();
    this.setLogLevels(['log', 'warn', 'error', 'debug', 'verbose', 'fatal']);
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    this.lines.push(...messages.map((m) => `${logLevel} [${context}] ${stringify(m)}`));
    if (errorStack !== undefined) this.lines.push(stringify(errorStack));
  }

  protected override printStackTrace(stack: string): void {
    this.lines.push(stack);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

const stringify = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : value instanceof Error
      ? `${value.message}\n${value.stack}`
      : JSON.stringify(value);

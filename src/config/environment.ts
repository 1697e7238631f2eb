import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type NodeEnv = (typeof NODE_ENVS)[number];

/** `ms`-style duration ("15m", "7d", "500ms") or a whole number of seconds ("900"). */
const DURATION = /^(\d+|\d+(\.\d+)?\s*(ms|s|m|h|d|w|y))$/i;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** An optional whole-number setting. The integer check runs first, so "abc" is called what it is. */
const IntSetting = (min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator =>
  applyDecorators(
    IsOptional(),
    Transform(toInt),
    IsInt({ message: '$property must be a whole number' }),
    Min(min, { message: `$property must be at least ${min}` }),
    Max(max, { message: `$property must be at most ${max}` }),
  );
const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/**
 * The raw environment, one property per documented key. Values arrive as strings;
 * numbers and booleans are converted only when they are exactly that, so "12abc" or
 * "yes" fail validation instead of being coerced.
 */
export class Environment {
  @IntSetting(0, 65535) PORT: number = 3000;
  @IsOptional() @IsIn(NODE_ENVS) NODE_ENV: NodeEnv = 'development';
  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'MONGODB_URI must be a mongodb:// URI' })
  MONGODB_URI?: string;
  @IsOptional() @IsString() @MinLength(1) DATA_DIR: string = './data';
  @IsOptional()
  @Matches(/^[1-9]\d*[mg]$/i, {
    message: 'EMBEDDED_DB_MAX_HEAP must be a size in megabytes or gigabytes such as 256m or 1g',
  })
  EMBEDDED_DB_MAX_HEAP: string = '256m';

  @IsOptional() @IsString() JWT_SECRET?: string;
  @IsOptional() @IsString() REFRESH_TOKEN_SECRET?: string;
  @IsOptional()
  @Matches(DURATION, { message: 'JWT_ACCESS_TTL must be a duration such as 15m or 900' })
  JWT_ACCESS_TTL: string = '15m';
  @IsOptional()
  @Matches(DURATION, { message: 'JWT_REFRESH_TTL must be a duration such as 7d or 604800' })
  JWT_REFRESH_TTL: string = '7d';
  @IsOptional() @IsString() @MinLength(1) JWT_ISSUER: string = 'collabcampus';
  @IsOptional() @IsString() @MinLength(1) JWT_AUDIENCE: string = 'collabcampus-clients';

  @IsOptional() @IsString() CLIENT_ORIGIN: string = 'http://localhost:3000';
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() TRUST_PROXY: boolean = false;

  // Engine.IO arms these as timers, which cannot exceed 2^31-1 ms.
  @IntSetting(1, 2 ** 31 - 1) WS_PING_INTERVAL_MS: number = 25000;
  @IntSetting(1, 2 ** 31 - 1) WS_PING_TIMEOUT_MS: number = 20000;
  @IntSetting(1) WS_MAX_PAYLOAD_BYTES: number = 100000;
  @IntSetting(1, 2 ** 31 - 1) WS_CONNECT_TIMEOUT_MS: number = 10000;
  @IntSetting(1) WS_CONN_RATE_LIMIT: number = 5;
  @IntSetting(1) WS_CONN_RATE_WINDOW_MS: number = 60000;
  @IntSetting(1) WS_MAX_CONNECTIONS_PER_USER: number = 5;
  @IntSetting(1) WS_MAX_CONNECTIONS_PER_IP: number = 50;
  @IntSetting(1) WS_EVENT_RATE_LIMIT: number = 10;
  @IntSetting(1) WS_EVENT_RATE_WINDOW_MS: number = 10000;
  @IntSetting(1) WS_EVENT_VIOLATIONS_BEFORE_DISCONNECT: number = 5;
  @IntSetting(1) WS_MAX_PROJECTS_PER_SOCKET: number = 20;
  @IntSetting(1) WS_MAX_BUFFERED_BYTES: number = 10_000_000;
  @IntSetting(1) AUTH_RATE_LIMIT: number = 20;
  @IntSetting(1) AUTH_RATE_WINDOW_MS: number = 60000;
  @IntSetting(1) PROJECT_CREATE_RATE_LIMIT: number = 20;
  @IntSetting(1) PROJECT_CREATE_RATE_WINDOW_MS: number = 3_600_000;
  @IntSetting(1) MEMBER_ADD_RATE_LIMIT: number = 60;
  @IntSetting(1) MEMBER_ADD_RATE_WINDOW_MS: number = 3_600_000;
  @IsOptional() @Transform(toBool) @IsBoolean() METRICS_ENABLED: boolean = false;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';
  // An edit lock is renewed while someone edits; a day is far beyond any use and any timer.
  @IntSetting(1, 86_400_000) LOCK_TTL_MS: number = 30000;
  @IntSetting(1) BOARD_MAX_TASKS: number = 2000;
  // 0 turns the cache off; an hour is far beyond the access-token lifetime it saves reads within.
  @IntSetting(0, 3_600_000) SESSION_CACHE_TTL_MS: number = 30000;
  // Off by default; a minute is far beyond two tabs refreshing at the same moment.
  @IntSetting(0, 60_000) REFRESH_REUSE_INTERVAL_MS: number = 0;
}

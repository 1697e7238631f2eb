import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import ms, { type StringValue } from 'ms';
import { OperatorError } from '../common/errors/operator-error';
import { Environment, type LogLevel, type NodeEnv } from './environment';

const MIN_PRODUCTION_SECRET_LENGTH = 64;
/**
 * Estimated bits a production secret must carry, counting each character at the Shannon entropy
 * of the secret's own character frequencies: 64 random hex digits carry about 250, 64 base64
 * characters about 340; 64 copies of one character carry none.
 */
const MIN_PRODUCTION_SECRET_BITS = 192;
/** Edits between the two secrets below which one was evidently derived from the other. */
const MIN_SECRET_DISTANCE = 32;

/** Thrown when the environment is unusable; the message names the offending key. */
export class ConfigError extends OperatorError {}

/**
 * The typed, validated configuration. Built once at boot by `loadConfig`; nothing else in the
 * application reads `process.env`. Injected by class.
 */
export class AppConfig {
  readonly nodeEnv!: NodeEnv;
  readonly port!: number;
  readonly mongodbUri!: string | undefined;
  /** The database started when `mongodbUri` is unset: where it keeps its files, its JVM heap cap. */
  readonly embeddedDatabase!: { readonly dataDir: string; readonly maxHeap: string };
  readonly jwt!: {
    readonly accessSecret: string;
    readonly refreshSecret: string;
    readonly accessTtlSeconds: number;
    readonly refreshTtlSeconds: number;
    readonly issuer: string;
    readonly audience: string;
  };
  /** Exact browser origins (scheme://host[:port]); `anyOrigin` only outside production. */
  readonly cors!: { readonly origins: readonly string[]; readonly anyOrigin: boolean };
  readonly redisUrl!: string | undefined;
  readonly trustProxy!: boolean;
  readonly ws!: {
    readonly pingIntervalMs: number;
    readonly pingTimeoutMs: number;
    readonly maxPayloadBytes: number;
    /** How long an Engine.IO session may stay without a connected namespace. */
    readonly connectTimeoutMs: number;
    readonly connRateLimit: number;
    readonly connRateWindowMs: number;
    readonly maxConnectionsPerUser: number;
    readonly maxConnectionsPerIp: number;
    readonly eventRateLimit: number;
    readonly eventRateWindowMs: number;
    readonly eventViolationsBeforeDisconnect: number;
    /** Distinct projects one socket may have joined at once. */
    readonly maxProjectsPerSocket: number;
    /** Unsent outgoing bytes a session may have before it is dropped as a slow consumer. */
    readonly maxBufferedBytes: number;
  };
  /** Register and refresh: requests per IP per window, each endpoint on its own budget. */
  readonly authRate!: { readonly limit: number; readonly windowMs: number };
  /** Per-user budgets of calls that create things (each call counts, whatever its outcome). */
  readonly userRates!: {
    readonly projectCreate: { readonly limit: number; readonly windowMs: number };
    /** Also what bounds probing for registered emails through add-member's 404. */
    readonly memberAdd: { readonly limit: number; readonly windowMs: number };
  };
  /** Whether GET /api/metrics serves Prometheus metrics. */
  readonly metricsEnabled!: boolean;
  readonly logLevel!: LogLevel;
  readonly lockTtlMs!: number;
  /** Tasks one project may hold. */
  readonly boardMaxTasks!: number;
  /** How long a session's database check is trusted (revocations are heard at once); 0: never. */
  readonly sessionCacheTtlMs!: number;
  /** How long a just-rotated refresh token may be presented again for the same successor; 0: never. */
  readonly refreshReuseIntervalMs!: number;
  /** Warnings for the operator, logged once at boot (e.g. generated development secrets). */
  readonly warnings!: readonly string[];

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

type Env = Record<string, string | undefined>;

/** Validates `env` and returns the typed configuration, or throws a `ConfigError` naming the key. */
export function loadConfig(env: Env): AppConfig {
  // Empty strings mean "unset", as in most .env tooling.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const raw = plainToInstance(Environment, present, { exposeDefaultValues: true });
  const errors = validateSync(raw, { whitelist: true, stopAtFirstError: true });
  if (errors.length > 0) {
    const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
    throw new ConfigError(`Invalid configuration: ${messages.join('; ')}`);
  }

  const production = raw.NODE_ENV === 'production';
  const warnings: string[] = [];
  if (production && !raw.MONGODB_URI) {
    // The embedded database is one process on one disk, without replication or backups.
    throw new ConfigError(
      'Invalid configuration: MONGODB_URI must be set in production (the embedded database is for development and tests)',
    );
  }
  const secret = (key: 'JWT_SECRET' | 'REFRESH_TOKEN_SECRET'): string => {
    const value = raw[key];
    if (!production) return value ?? randomBytes(48).toString('base64url');
    if (!value || value.length < MIN_PRODUCTION_SECRET_LENGTH) {
      throw new ConfigError(
        `Invalid configuration: ${key} must be set to at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`,
      );
    }
    if (
      /^\s|\s$/.test(value) ||
      estimatedBits(value) < MIN_PRODUCTION_SECRET_BITS ||
      isRepetition(value)
    ) {
      throw new ConfigError(
        `Invalid configuration: ${key} looks guessable (too few distinct characters, a repeated pattern or surrounding whitespace); use a random value such as the output of openssl rand -base64 64`,
      );
    }
    return value;
  };
  const accessSecret = secret('JWT_SECRET');
  const refreshSecret = secret('REFRESH_TOKEN_SECRET');
  if (production && editDistance(accessSecret, refreshSecret) < MIN_SECRET_DISTANCE) {
    throw new ConfigError(
      'Invalid configuration: JWT_SECRET and REFRESH_TOKEN_SECRET must be independent random values in production (they are equal or nearly so)',
    );
  }
  const generated = (['JWT_SECRET', 'REFRESH_TOKEN_SECRET'] as const).filter((k) => !raw[k]);
  if (generated.length > 0) {
    warnings.push(
      `${generated.join(' and ')} not set: using a random per-process value (development only; tokens will not survive a restart)`,
    );
  }

  return Object.assign(new AppConfig(), {
    nodeEnv: raw.NODE_ENV,
    port: raw.PORT,
    mongodbUri: raw.MONGODB_URI,
    embeddedDatabase: { dataDir: resolve(raw.DATA_DIR), maxHeap: raw.EMBEDDED_DB_MAX_HEAP },
    jwt: {
      accessSecret,
      refreshSecret,
      accessTtlSeconds: durationSeconds('JWT_ACCESS_TTL', raw.JWT_ACCESS_TTL),
      refreshTtlSeconds: durationSeconds('JWT_REFRESH_TTL', raw.JWT_REFRESH_TTL),
      issuer: raw.JWT_ISSUER,
      audience: raw.JWT_AUDIENCE,
    },
    cors: parseOrigins(raw.CLIENT_ORIGIN, production),
    redisUrl: raw.REDIS_URL,
    trustProxy: raw.TRUST_PROXY,
    ws: {
      pingIntervalMs: raw.WS_PING_INTERVAL_MS,
      pingTimeoutMs: raw.WS_PING_TIMEOUT_MS,
      maxPayloadBytes: raw.WS_MAX_PAYLOAD_BYTES,
      connectTimeoutMs: raw.WS_CONNECT_TIMEOUT_MS,
      connRateLimit: raw.WS_CONN_RATE_LIMIT,
      connRateWindowMs: raw.WS_CONN_RATE_WINDOW_MS,
      maxConnectionsPerUser: raw.WS_MAX_CONNECTIONS_PER_USER,
      maxConnectionsPerIp: raw.WS_MAX_CONNECTIONS_PER_IP,
      eventRateLimit: raw.WS_EVENT_RATE_LIMIT,
      eventRateWindowMs: raw.WS_EVENT_RATE_WINDOW_MS,
      eventViolationsBeforeDisconnect: raw.WS_EVENT_VIOLATIONS_BEFORE_DISCONNECT,
      maxProjectsPerSocket: raw.WS_MAX_PROJECTS_PER_SOCKET,
      maxBufferedBytes: raw.WS_MAX_BUFFERED_BYTES,
    },
    authRate: { limit: raw.AUTH_RATE_LIMIT, windowMs: raw.AUTH_RATE_WINDOW_MS },
    userRates: {
      projectCreate: {
        limit: raw.PROJECT_CREATE_RATE_LIMIT,
        windowMs: raw.PROJECT_CREATE_RATE_WINDOW_MS,
      },
      memberAdd: { limit: raw.MEMBER_ADD_RATE_LIMIT, windowMs: raw.MEMBER_ADD_RATE_WINDOW_MS },
    },
    metricsEnabled: raw.METRICS_ENABLED,
    logLevel: raw.LOG_LEVEL,
    lockTtlMs: raw.LOCK_TTL_MS,
    boardMaxTasks: raw.BOARD_MAX_TASKS,
    sessionCacheTtlMs: raw.SESSION_CACHE_TTL_MS,
    refreshReuseIntervalMs: raw.REFRESH_REUSE_INTERVAL_MS,
    warnings,
  });
}

/** A whole number of seconds is taken as seconds; anything else is an `ms`-style string. */
function durationSeconds(key: string, value: string): number {
  const seconds = /^\d+$/.test(value) ? Number(value) : Math.floor(ms(value as StringValue) / 1000);
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new ConfigError(`Invalid configuration: ${key} must be at least one second`);
  }
  return seconds;
}

function parseOrigins(value: string, production: boolean): AppConfig['cors'] {
  const entries = value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (entries.includes('*')) {
    if (production) {
      throw new ConfigError('Invalid configuration: CLIENT_ORIGIN must not be * in production');
    }
    return { origins: entries.filter((o) => o !== '*'), anyOrigin: true };
  }
  if (entries.length === 0) {
    throw new ConfigError('Invalid configuration: CLIENT_ORIGIN must list at least one origin');
  }
  for (const origin of entries) {
    if (!isExactOrigin(origin)) {
      throw new ConfigError(
        `Invalid configuration: CLIENT_ORIGIN entry "${origin}" must be an origin like https://app.example.com (scheme, host and optional port, nothing else)`,
      );
    }
  }
  return { origins: entries, anyOrigin: false };
}

/** True when `value` is already in the serialized form browsers send in the Origin header. */
function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    // URL accepts "*" in a hostname; an allowlist entry must name one host exactly.
    const plainHost = /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/i.test(url.hostname);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && plainHost && url.origin === value
    );
  } catch {
    return false;
  }
}

/** Shannon entropy of the value's own character frequencies, times its length. */
function estimatedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...value].length;
  let bitsPerChar = 0;
  for (const count of counts.values()) bitsPerChar -= (count / length) * Math.log2(count / length);
  return bitsPerChar * length;
}

/** "abcabcabc…": the whole value is one shorter unit repeated. */
function isRepetition(value: string): boolean {
  return /^([\s\S]+?)\1+$/.test(value);
}

/** Levenshtein distance: the fewest single-character edits that turn one value into the other. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

import { ConfigError, loadConfig } from './app-config';

// Fixed outputs of `openssl rand -base64 48` and `openssl rand -hex 32`.
const BASE64_SECRET = 'q3Vb0m8Zk1XyTt9rWcLh2D4sNfJ7pE5aRgU6oKiY+zHnQeMwPvAlCxSdBjGuIfOt/1e2';
const HEX_SECRET = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const production = {
  NODE_ENV: 'production',
  MONGODB_URI: 'mongodb://db.internal:27017/collabcampus',
  JWT_SECRET: BASE64_SECRET,
  REFRESH_TOKEN_SECRET: HEX_SECRET,
  CLIENT_ORIGIN: 'https://app.example.com',
};

describe(loadConfig.name, () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      mongodbUri: undefined,
      redisUrl: undefined,
      trustProxy: false,
      lockTtlMs: 30000,
      boardMaxTasks: 2000,
      sessionCacheTtlMs: 30000,
      userRates: {
        projectCreate: { limit: 20, windowMs: 3_600_000 },
        memberAdd: { limit: 60, windowMs: 3_600_000 },
      },
      embeddedDatabase: { dataDir: expect.stringMatching(/\/data$/), maxHeap: '256m' },
      cors: { origins: ['http://localhost:3000'], anyOrigin: false },
      jwt: {
        accessTtlSeconds: 900,
        refreshTtlSeconds: 604800,
        issuer: 'collabcampus',
        audience: 'collabcampus-clients',
      },
      ws: {
        pingIntervalMs: 25000,
        pingTimeoutMs: 20000,
        maxPayloadBytes: 100000,
        connectTimeoutMs: 10000,
        connRateLimit: 5,
        connRateWindowMs: 60000,
        maxConnectionsPerUser: 5,
        maxConnectionsPerIp: 50,
        eventRateLimit: 10,
        eventRateWindowMs: 10000,
        eventViolationsBeforeDisconnect: 5,
        maxProjectsPerSocket: 20,
        maxBufferedBytes: 10_000_000,
      },
    });
  });

  it('generates distinct random secrets in development, with one warning line', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.jwt.accessSecret).not.toBe(b.jwt.accessSecret);
    expect(a.jwt.accessSecret).not.toBe(a.jwt.refreshSecret);
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toContain('JWT_SECRET and REFRESH_TOKEN_SECRET not set');
    expect(loadConfig({ JWT_SECRET: 'x', REFRESH_TOKEN_SECRET: 'y' }).warnings).toEqual([]);
  });

  it('parses numbers, booleans, durations and origin lists', () => {
    const config = loadConfig({
      PORT: '8080',
      TRUST_PROXY: 'true',
      JWT_ACCESS_TTL: '90',
      JWT_REFRESH_TTL: '2h',
      CLIENT_ORIGIN: 'https://a.example.com, http://localhost:5173',
      WS_EVENT_RATE_LIMIT: '20',
      EMBEDDED_DB_MAX_HEAP: '1G',
    });
    expect(config.port).toBe(8080);
    expect(config.trustProxy).toBe(true);
    expect(config.jwt.accessTtlSeconds).toBe(90);
    expect(config.jwt.refreshTtlSeconds).toBe(7200);
    expect(config.cors.origins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(config.ws.eventRateLimit).toBe(20);
    expect(config.embeddedDatabase.maxHeap).toBe('1G');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
    ['WS_PING_INTERVAL_MS', '12abc'],
    ['WS_MAX_CONNECTIONS_PER_USER', '-5'],
    ['WS_EVENT_RATE_LIMIT', '0'],
    ['LOCK_TTL_MS', '1.5'],
    ['TRUST_PROXY', 'yes'],
    ['JWT_ACCESS_TTL', 'soon'],
    ['JWT_REFRESH_TTL', '-7d'],
    ['MONGODB_URI', 'postgres://db'],
    ['REDIS_URL', 'http://cache'],
    ['EMBEDDED_DB_MAX_HEAP', '256'],
    ['EMBEDDED_DB_MAX_HEAP', '-Xmx256m'],
    ['EMBEDDED_DB_MAX_HEAP', '256m -XX:+Foo'],
  ])('stops the boot on %s=%s with a message naming the key', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(key);
  });

  it.each([
    ['PORT', 'abc', 'PORT must be a whole number'],
    ['PORT', '70000', 'PORT must be at most 65535'],
    ['WS_MAX_CONNECTIONS_PER_IP', '0', 'WS_MAX_CONNECTIONS_PER_IP must be at least 1'],
  ])('explains %s=%s plainly', (key, value, message) => {
    expect(() => loadConfig({ [key]: value })).toThrow(message);
  });

  it('refuses a duration under one second', () => {
    expect(() => loadConfig({ JWT_ACCESS_TTL: '500ms' })).toThrow(
      'JWT_ACCESS_TTL must be at least one second',
    );
  });

  it.each([
    ['a path', 'https://app.example.com/'],
    ['a wildcard host', 'https://*.example.com'],
    ['no scheme', 'app.example.com'],
    ['another scheme', 'ftp://app.example.com'],
  ])('refuses a CLIENT_ORIGIN entry with %s', (_case, origin) => {
    expect(() => loadConfig({ CLIENT_ORIGIN: origin })).toThrow('CLIENT_ORIGIN');
  });

  describe('in production', () => {
    it('accepts strong, distinct secrets and explicit origins', () => {
      expect(loadConfig(production).isProduction).toBe(true);
    });

    it.each(['JWT_SECRET', 'REFRESH_TOKEN_SECRET'])('refuses a missing %s', (key) => {
      expect(() => loadConfig({ ...production, [key]: undefined })).toThrow(
        `${key} must be set to at least 64 characters in production`,
      );
    });

    it.each(['JWT_SECRET', 'REFRESH_TOKEN_SECRET'])('refuses a %s under 64 characters', (key) => {
      expect(() => loadConfig({ ...production, [key]: 'x'.repeat(63) })).toThrow(key);
    });

    it('refuses to start the embedded database: MONGODB_URI is required', () => {
      expect(() => loadConfig({ ...production, MONGODB_URI: undefined })).toThrow(
        'MONGODB_URI must be set in production',
      );
    });

    it.each([
      ['one character repeated', 'a'.repeat(64)],
      ['whitespace only', ' '.repeat(64)],
      ['spaces and tabs', ' \t'.repeat(40)],
      ['a short pattern repeated', 'abcdefgh'.repeat(8)],
      ['a longer pattern repeated', `${HEX_SECRET.slice(0, 32)}${HEX_SECRET.slice(0, 32)}`],
      ['two characters', 'ab'.repeat(20) + 'ba'.repeat(20)],
      ['surrounding whitespace', ` ${BASE64_SECRET}`],
    ])('refuses a guessable secret: %s', (_case, weak) => {
      for (const key of ['JWT_SECRET', 'REFRESH_TOKEN_SECRET']) {
        expect(() => loadConfig({ ...production, [key]: weak })).toThrow(`${key} looks guessable`);
      }
    });

    it('accepts random secrets in the usual encodings, whatever their length beyond 64', () => {
      const config = loadConfig({
        ...production,
        JWT_SECRET: `${BASE64_SECRET}\n${BASE64_SECRET.toUpperCase()}`,
      });
      expect(config.jwt.refreshSecret).toBe(HEX_SECRET);
    });

    it.each([
      ['the same value', BASE64_SECRET],
      ['two characters added', `${BASE64_SECRET} x`],
      ['one character changed', `${BASE64_SECRET.slice(0, -1)}Q`],
      ['a few characters appended', `${BASE64_SECRET}-refresh`],
    ])('refuses secrets that are not independent: %s', (_case, refresh) => {
      expect(() => loadConfig({ ...production, REFRESH_TOKEN_SECRET: refresh })).toThrow(
        'JWT_SECRET and REFRESH_TOKEN_SECRET must be independent',
      );
    });

    it('refuses * in CLIENT_ORIGIN, alone or in a list', () => {
      expect(() => loadConfig({ ...production, CLIENT_ORIGIN: '*' })).toThrow(
        'CLIENT_ORIGIN must not be * in production',
      );
      expect(() => loadConfig({ ...production, CLIENT_ORIGIN: 'https://a.example.com,*' })).toThrow(
        'CLIENT_ORIGIN',
      );
    });

    it('never echoes a secret in its error message', () => {
      const secret = 'short-but-secret-value';
      try {
        loadConfig({ ...production, JWT_SECRET: secret });
        throw new Error('expected a ConfigError');
      } catch (err) {
        expect(String(err)).not.toContain(secret);
      }
    });
  });

  it('allows * outside production as "any origin"', () => {
    expect(loadConfig({ CLIENT_ORIGIN: '*' }).cors).toEqual({ origins: [], anyOrigin: true });
  });
});

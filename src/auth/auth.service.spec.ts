import { RedisConnections } from '../redis/redis-connections';
import { SessionCache } from './session-cache';
import { ConflictException, UnauthorizedException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/app-config';
import type { UserRecord, UsersRepository } from '../users/users.repository';
import { AuthService } from './auth.service';
import type { PasswordHasher } from './password-hasher';
import { SessionRevokedEvent } from './session-revoked.event';
import type { RefreshTokenRecord, SessionRecord, SessionsRepository } from './sessions.repository';
import { TokenService } from './token.service';

const objectId = (): string => randomBytes(12).toString('hex');

/** In-memory stand-ins with the repositories' public surface. */
class FakeUsers implements Pick<
  UsersRepository,
  'create' | 'findById' | 'findByEmail' | 'findCredentials'
> {
  readonly rows = new Map<string, UserRecord & { passwordHash: string }>();
  create(data: { email: string; name: string; passwordHash: string }): Promise<UserRecord | null> {
    if ([...this.rows.values()].some((u) => u.email === data.email)) return Promise.resolve(null);
    const row = { id: objectId(), ...data };
    this.rows.set(row.id, row);
    return Promise.resolve({ id: row.id, email: row.email, name: row.name });
  }
  findById(id: string): Promise<UserRecord | null> {
    const row = this.rows.get(id);
    return Promise.resolve(row ? { id: row.id, email: row.email, name: row.name } : null);
  }
  findByEmail(email: string): Promise<UserRecord | null> {
    const row = [...this.rows.values()].find((u) => u.email === email);
    return Promise.resolve(row ? { id: row.id, email: row.email, name: row.name } : null);
  }
  findCredentials(email: string): Promise<(UserRecord & { passwordHash: string }) | null> {
    return Promise.resolve([...this.rows.values()].find((u) => u.email === email) ?? null);
  }
}

class FakeSessions implements Pick<
  SessionsRepository,
  | 'createSession'
  | 'findSession'
  | 'revokeSession'
  | 'addRefreshToken'
  | 'spendRefreshToken'
  | 'findRefreshToken'
> {
  readonly sessions = new Map<string, SessionRecord>();
  readonly tokens = new Map<string, RefreshTokenRecord>();
  createSession(userId: string): Promise<string> {
    const id = objectId();
    this.sessions.set(id, { id, userId, revoked: false });
    return Promise.resolve(id);
  }
  findSession(id: string): Promise<SessionRecord | null> {
    return Promise.resolve(this.sessions.get(id) ?? null);
  }
  revokeSession(id: string): Promise<string | null> {
    const s = this.sessions.get(id);
    if (!s || s.revoked) return Promise.resolve(null);
    s.revoked = true;
    return Promise.resolve(s.userId);
  }
  addRefreshToken(data: { tokenHash: string; sessionId: string; expiresAt: Date }): Promise<void> {
    this.tokens.set(data.tokenHash, {
      sessionId: data.sessionId,
      expiresAt: data.expiresAt,
      spentAt: null,
      successor: null,
    });
    return Promise.resolve();
  }
  spendRefreshToken(
    hash: string,
    successor: string | null,
  ): Promise<Pick<RefreshTokenRecord, 'sessionId' | 'expiresAt'> | null> {
    const t = this.tokens.get(hash);
    if (!t || t.spentAt) return Promise.resolve(null);
    Object.assign(t, { spentAt: new Date(), successor });
    return Promise.resolve({ sessionId: t.sessionId, expiresAt: t.expiresAt });
  }
  findRefreshToken(hash: string): Promise<RefreshTokenRecord | null> {
    return Promise.resolve(this.tokens.get(hash) ?? null);
  }
}

class FakeHasher implements Pick<PasswordHasher, 'hash' | 'verify'> {
  verifiedAgainst: (string | undefined)[] = [];
  hash(password: string): Promise<string> {
    return Promise.resolve(`hashed:${password}`);
  }
  verify(hash: string | undefined, password: string): Promise<boolean> {
    this.verifiedAgainst.push(hash);
    return Promise.resolve(hash === `hashed:${password}`);
  }
}

describe(AuthService.name, () => {
  let users: FakeUsers;
  let sessions: FakeSessions;
  let hasher: FakeHasher;
  let events: EventEmitter2;
  let revoked: SessionRevokedEvent[];
  let auth: AuthService;

  beforeEach(() => {
    const config = loadConfig({ JWT_SECRET: 'a'.repeat(64), REFRESH_TOKEN_SECRET: 'b'.repeat(64) });
    users = new FakeUsers();
    sessions = new FakeSessions();
    hasher = new FakeHasher();
    events = new EventEmitter2();
    revoked = [];
    events.on(SessionRevokedEvent.NAME, (e: SessionRevokedEvent) => revoked.push(e));
    const sessionCache = new SessionCache(
      config,
      new RedisConnections(config),
      new EventEmitter2(),
    );
    events.on(SessionRevokedEvent.NAME, (e: SessionRevokedEvent) => void sessionCache.onRevoked(e));
    auth = new AuthService(
      users as unknown as UsersRepository,
      sessions as unknown as SessionsRepository,
      new TokenService(new JwtService(), config),
      hasher,
      events,
      config,
      sessionCache,
    );
  });

  const register = () =>
    auth.register({ email: ' Ann@Example.test ', password: 'password1', name: 'Ann' });

  it('registers with a normalised email and a hashed password, and opens a session', async () => {
    const res = await register();
    expect(res.user).toEqual({ id: expect.any(String), email: 'ann@example.test', name: 'Ann' });
    expect(users.rows.get(res.user.id)?.passwordHash).toBe('hashed:password1');
    expect(sessions.sessions.size).toBe(1);
    expect(res.expiresIn).toBe(900);
  });

  it('refuses a second registration of the same email with 409', async () => {
    await register();
    await expect(register()).rejects.toBeInstanceOf(ConflictException);
  });

  it('checks the password against a decoy when the email is unknown, and answers alike', async () => {
    await register();
    const unknown = auth.login({ email: 'nobody@example.test', password: 'password1' });
    await expect(unknown).rejects.toThrow(new UnauthorizedException('Invalid credentials'));
    expect(hasher.verifiedAgainst).toEqual([undefined]);
    await expect(auth.login({ email: 'ann@example.test', password: 'wrong' })).rejects.toThrow(
      'Invalid credentials',
    );
  });

  it('opens a new session on every login', async () => {
    const a = await register();
    const b = await auth.login({ email: 'ANN@example.test', password: 'password1' });
    expect(b.user).toEqual(a.user);
    expect(sessions.sessions.size).toBe(2);
  });

  describe('refresh', () => {
    it('spends the presented token and issues a new pair in the same session', async () => {
      const first = await register();
      const second = await auth.refresh(first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(sessions.sessions.size).toBe(1);
      const user = await auth.authenticate(second.accessToken);
      expect(user?.sessionId).toBe((await auth.authenticate(first.accessToken))?.sessionId);
    });

    it('revokes the session once, with an event, when a spent token comes back', async () => {
      const first = await register();
      const second = await auth.refresh(first.refreshToken);
      await expect(auth.refresh(first.refreshToken)).rejects.toThrow('Invalid refresh token');
      await expect(auth.refresh(second.refreshToken)).rejects.toThrow('Invalid refresh token');
      await expect(auth.refresh(first.refreshToken)).rejects.toThrow('Invalid refresh token');
      expect(revoked).toEqual([
        new SessionRevokedEvent(expect.any(String), first.user.id, 'refresh-token-reuse'),
      ]);
      expect(await auth.authenticate(second.accessToken)).toBeNull();
    });

    it('lets exactly one of two concurrent presentations of a token win, and then revokes', async () => {
      const first = await register();
      const results = await Promise.allSettled([
        auth.refresh(first.refreshToken),
        auth.refresh(first.refreshToken),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(revoked).toHaveLength(1);
    });

    it('refuses unknown and expired tokens without revoking anything', async () => {
      const first = await register();
      await expect(auth.refresh('unknown')).rejects.toThrow('Invalid refresh token');
      for (const t of sessions.tokens.values()) t.expiresAt = new Date(Date.now() - 1);
      await expect(auth.refresh(first.refreshToken)).rejects.toThrow('Invalid refresh token');
      expect(revoked).toEqual([]);
    });
  });

  describe('logout', () => {
    it('revokes the caller’s session and publishes SessionRevoked', async () => {
      const res = await register();
      const caller = await auth.authenticate(res.accessToken);
      await auth.logout(caller!, res.refreshToken);
      expect(revoked).toEqual([new SessionRevokedEvent(caller!.sessionId, res.user.id, 'logout')]);
      expect(await auth.authenticate(res.accessToken)).toBeNull();
      await expect(auth.refresh(res.refreshToken)).rejects.toThrow('Invalid refresh token');
    });

    it('refuses a refresh token of another session and revokes nothing', async () => {
      const a = await register();
      const b = await auth.login({ email: 'ann@example.test', password: 'password1' });
      const caller = await auth.authenticate(a.accessToken);
      await expect(auth.logout(caller!, b.refreshToken)).rejects.toBeInstanceOf(
        UnauthorizedException,
      );
      expect(revoked).toEqual([]);
    });
  });

  describe('authenticate', () => {
    it('returns the user and session for a valid token', async () => {
      const res = await register();
      expect(await auth.authenticate(res.accessToken)).toEqual({
        ...res.user,
        sessionId: expect.any(String),
        tokenExpiresAt: expect.any(Number),
      });
    });

    it('reads only the session for a new session of a user checked within the TTL', async () => {
      const first = await register();
      await auth.authenticate(first.accessToken);
      const second = await auth.login({ email: 'ann@example.test', password: 'password1' });
      const findById = jest.spyOn(users, 'findById');
      const findSession = jest.spyOn(sessions, 'findSession');
      expect(await auth.authenticate(second.accessToken)).toMatchObject(first.user);
      expect([findById.mock.calls.length, findSession.mock.calls.length]).toEqual([0, 1]);
    });

    it('refuses a revoked session even when its user was checked within the TTL', async () => {
      const first = await register();
      await auth.authenticate(first.accessToken);
      const second = await auth.login({ email: 'ann@example.test', password: 'password1' });
      // Revoked by another instance: no event reached this one.
      const [, secondId] = sessions.sessions.keys();
      sessions.sessions.get(secondId)!.revoked = true;
      expect(await auth.authenticate(second.accessToken)).toBeNull();
      expect(await auth.authenticate(first.accessToken)).toMatchObject(first.user);
    });

    it('returns null once the user no longer exists', async () => {
      const res = await register();
      users.rows.clear();
      expect(await auth.authenticate(res.accessToken)).toBeNull();
    });

    it('returns null when the session is revoked while its database check is under way', async () => {
      const res = await register();
      const [sessionId] = sessions.sessions.keys();
      // The read saw the session active, just before the revocation's write, and answers late.
      const before = { ...sessions.sessions.get(sessionId)! };
      let answer!: (session: SessionRecord) => void;
      jest
        .spyOn(sessions, 'findSession')
        .mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
      const check = auth.authenticate(res.accessToken);
      await auth.logout({ ...res.user, sessionId, tokenExpiresAt: 0 }, res.refreshToken);
      answer(before);
      expect(await check).toBeNull();
    });
  });
});

import { Session } from './session.js';

/** A fetch whose answers the test releases one at a time; records what was asked. */
function heldFetch() {
  const calls: string[] = [];
  const pending: ((body: object) => void)[] = [];
  const fetchImpl = ((url: string) => {
    calls.push(new URL(url).pathname);
    return new Promise<Response>((resolve) => {
      pending.push((body) => resolve(new Response(JSON.stringify(body), { status: 200 })));
    });
  }) as unknown as typeof fetch;
  const answer = (body: object): void => pending.shift()?.(body);
  return { fetchImpl, calls, answer };
}

const tokens = (n: number) => ({ accessToken: `access-${n}`, expiresIn: 30 });
const user = { id: 'u1', email: 'a@example.test', name: 'A' };

/** A session logged in, and its first scheduled refresh sent (not yet answered). */
async function refreshing() {
  const fetched = heldFetch();
  const session = new Session('http://api.test', 'cookie', fetched.fetchImpl);
  const opened = session.open('/api/auth/login', {});
  fetched.answer({ user, ...tokens(1) });
  await opened;
  await jest.advanceTimersByTimeAsync(30_000);
  return { session, ...fetched };
}

describe('Session', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('refreshes on schedule while open', async () => {
    const { calls } = await refreshing();
    expect(calls).toEqual(['/api/auth/login', '/api/auth/refresh']);
  });

  it('schedules nothing more once stopped, even when a refresh under way answers after', async () => {
    // The scheduled refresh is sent, and the client is closed before its answer arrives.
    const { session, calls, answer } = await refreshing();
    expect(calls).toEqual(['/api/auth/login', '/api/auth/refresh']);
    session.stop();
    answer(tokens(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(session.token).toBe('access-2');
    // A closed client rotating the refresh cookie in the background would race the client that
    // replaced it (a reloaded page) and get the session revoked as a reuse.
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls).toEqual(['/api/auth/login', '/api/auth/refresh']);
  });
});

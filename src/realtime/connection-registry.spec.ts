import { ConnectionRegistry } from './connection-registry';

describe(ConnectionRegistry.name, () => {
  let registry: ConnectionRegistry;
  beforeEach(() => {
    jest.useFakeTimers();
    registry = new ConnectionRegistry();
  });
  afterEach(() => jest.useRealTimers());

  it('forgets a socket and stops its timers on close, returning what it held', () => {
    const onExpire = jest.fn();
    registry.open('s1');
    registry.armExpiry('s1', Date.now() + 1000, onExpire);
    const lock = { taskId: 't1', projectId: 'p1' };
    expect(registry.trackLock('s1', lock, new Date(Date.now() + 500), onExpire)).toBe(true);
    registry.noteProjectsAtDisconnect('s1', ['p1']);
    expect([registry.size, registry.timerCount]).toEqual([1, 2]);

    expect(registry.close('s1')).toEqual({ locks: [lock], projectIds: ['p1'] });
    expect([registry.size, registry.timerCount]).toEqual([0, 0]);
    jest.advanceTimersByTime(5000);
    expect(onExpire).not.toHaveBeenCalled();
  });

  it('does nothing for a socket that is not registered (late async work after a disconnect)', () => {
    const onExpire = jest.fn();
    registry.armExpiry('gone', Date.now() + 10, onExpire);
    expect(registry.trackLock('gone', { taskId: 't', projectId: 'p' }, new Date(), onExpire)).toBe(
      false,
    );
    registry.noteProjectsAtDisconnect('gone', ['p']);
    expect(registry.close('gone')).toEqual({ locks: [], projectIds: [] });
    expect([registry.size, registry.timerCount]).toEqual([0, 0]);
    jest.advanceTimersByTime(100);
    expect(onExpire).not.toHaveBeenCalled();
  });

  it('moves the expiry timer when re-armed', () => {
    const first = jest.fn();
    const second = jest.fn();
    registry.open('s1');
    registry.armExpiry('s1', Date.now() + 1000, first);
    registry.armExpiry('s1', Date.now() + 3000, second);
    jest.advanceTimersByTime(2000);
    expect(first).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1000);
    expect(second).toHaveBeenCalledTimes(1);
    expect(registry.timerCount).toBe(0);
  });

  it('reaches an expiry beyond the longest timer in steps, never early', () => {
    const onExpire = jest.fn();
    const thirtyDays = 30 * 24 * 3600 * 1000;
    registry.open('s1');
    registry.armExpiry('s1', Date.now() + thirtyDays, onExpire);
    jest.advanceTimersByTime(thirtyDays - 1);
    expect(onExpire).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('runs a lock timer once at its expiry and forgets the lock; renewal replaces the timer', () => {
    const expired = jest.fn();
    registry.open('s1');
    const lock = { taskId: 't1', projectId: 'p1' };
    registry.trackLock('s1', lock, new Date(Date.now() + 1000), expired);
    registry.trackLock('s1', lock, new Date(Date.now() + 2000), expired);
    registry.trackLock(
      's1',
      { taskId: 't2', projectId: 'p2' },
      new Date(Date.now() + 5000),
      expired,
    );
    expect(registry.locksIn('s1', 'p1')).toEqual([lock]);
    jest.advanceTimersByTime(1500);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(500);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(registry.locksIn('s1', 'p1')).toEqual([]);
    registry.untrackLock('s1', 't2');
    expect(registry.timerCount).toBe(0);
  });
});

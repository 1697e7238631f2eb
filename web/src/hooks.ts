import type { Board, Client, ClientStatus } from '@collabcampus/client';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';

/** The SDK's connection status, live. */
export function useStatus(client: Client): ClientStatus {
  return useSyncExternalStore(
    useCallback((notify) => client.on('status', notify), [client]),
    () => client.status,
  );
}

/**
 * A number that grows with every board change: components read `board.tasks`, `board.locks`,
 * ... and render again when it moves.
 */
export function useBoardRevision(board: Board | null): number {
  const revision = useRef(0);
  return useSyncExternalStore(
    useCallback(
      (notify) => {
        if (!board) return () => undefined;
        return board.on('change', () => {
          revision.current++;
          notify();
        });
      },
      [board],
    ),
    () => revision.current,
  );
}

export interface Notice {
  id: number;
  text: string;
  tone: 'error' | 'info';
}

/** Short messages that go away by themselves (refusals, removals). */
export function useNotices(): {
  notices: Notice[];
  notify: (text: string, tone?: Notice['tone']) => void;
  dismiss: (id: number) => void;
} {
  const [notices, setNotices] = useState<Notice[]>([]);
  const next = useRef(1);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);
  const dismiss = useCallback((id: number) => {
    setNotices((list) => list.filter((n) => n.id !== id));
  }, []);
  const notify = useCallback(
    (text: string, tone: Notice['tone'] = 'error') => {
      const id = next.current++;
      // The same message twice in a row is shown once.
      setNotices((list) => [...list.filter((n) => n.text !== text), { id, text, tone }].slice(-4));
      const timer = setTimeout(() => {
        timers.current.delete(timer);
        dismiss(id);
      }, 6_000);
      timers.current.add(timer);
    },
    [dismiss],
  );
  return { notices, notify, dismiss };
}

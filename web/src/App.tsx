import type { Client, ClientStatus } from '@collabcampus/client';
import type { User } from '@collabcampus/protocol';
import { useEffect, useState } from 'react';
import { AuthForm } from './AuthForm';
import { useNotices, useStatus } from './hooks';
import { Notices } from './Notices';
import { Workspace } from './Workspace';

type Phase =
  { kind: 'loading' } | { kind: 'signedOut'; why?: string } | { kind: 'signedIn'; user: User };

const SIGNED_OUT_BECAUSE = {
  logout: undefined,
  revoked: 'You were signed out: this session was ended (signed out in another tab or device).',
  expired: 'Your session has expired. Please sign in again.',
} as const;

export function App({ client }: { client: Client }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const status = useStatus(client);
  const { notices, notify, dismiss } = useNotices();
  // Why the connection is not up yet, as the server said it (cleared once online).
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => client.on('connectError', ({ message }) => setProblem(message)), [client]);
  useEffect(() => {
    if (status === 'online' || status === 'signedOut') setProblem(null);
  }, [status]);

  useEffect(() => {
    // A reload: the refresh cookie signs the user in again if it is still good.
    let live = true;
    client.restore().then(
      (user) => live && setPhase(user ? { kind: 'signedIn', user } : { kind: 'signedOut' }),
      () => live && setPhase({ kind: 'signedOut' }),
    );
    const off = client.on('signedOut', ({ reason }) =>
      setPhase({ kind: 'signedOut', why: SIGNED_OUT_BECAUSE[reason] }),
    );
    return () => {
      live = false;
      off();
    };
  }, [client]);

  const signOut = (): void => {
    client.logout().catch(() => setPhase({ kind: 'signedOut' }));
  };

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▦
          </span>
          CollabCampus
        </div>
        <ConnectionStatus status={status} problem={problem} />
        {phase.kind === 'signedIn' && (
          <div className="account">
            <span className="account-name" title={phase.user.email}>
              {phase.user.name}
            </span>
            <button type="button" className="button ghost" data-testid="signout" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      {phase.kind === 'loading' && <p className="loading">Loading…</p>}
      {phase.kind === 'signedOut' && (
        <AuthForm
          client={client}
          why={phase.why}
          onSignedIn={(user) => setPhase({ kind: 'signedIn', user })}
        />
      )}
      {phase.kind === 'signedIn' && <Workspace client={client} user={phase.user} notify={notify} />}
      <Notices notices={notices} dismiss={dismiss} />
    </div>
  );
}

const STATUS_LABELS: Record<ClientStatus, string> = {
  online: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  signedOut: 'Signed out',
};

/** The server's refusals, said for people; anything else is a network problem. */
const PROBLEMS: Record<string, string> = {
  // Per address (an office behind one NAT) or per user (too many tabs or devices open).
  'Too many connections': 'too many connections from your network or your other tabs; retrying',
  Unauthorized: 'renewing your session',
};

function ConnectionStatus({ status, problem }: { status: ClientStatus; problem: string | null }) {
  const why = problem && (PROBLEMS[problem] ?? 'the server cannot be reached; retrying');
  return (
    <div
      className={`status status-${status}`}
      data-testid="connection-status"
      data-state={status}
      role="status"
      aria-live="polite"
    >
      <span className="status-dot" aria-hidden="true" />
      {STATUS_LABELS[status]}
      {why && status !== 'online' && <span className="status-why">: {why}</span>}
    </div>
  );
}

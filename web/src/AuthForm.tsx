import type { Client } from '@collabcampus/client';
import type { User } from '@collabcampus/protocol';
import { type FormEvent, useState } from 'react';
import { describeError } from './messages';

type Mode = 'login' | 'register';

export function AuthForm({
  client,
  why,
  onSignedIn,
}: {
  client: Client;
  why?: string;
  onSignedIn: (user: User) => void;
}) {
  const [mode, setMode] = useState<Mode>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user =
        mode === 'login'
          ? await client.login({ email, password })
          : await client.register({ email, password, name });
      onSignedIn(user);
    } catch (err) {
      setError(authMessage(err, mode));
      setBusy(false);
    }
  };

  return (
    <main className="auth">
      <form className="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="auth-title">
        <h1 id="auth-title">{mode === 'login' ? 'Sign in' : 'Create your account'}</h1>
        <p className="muted">Project boards your whole team edits at once.</p>
        {why && (
          <p className="banner" role="status">
            {why}
          </p>
        )}
        <div className="segmented" role="group" aria-label="Account">
          <button type="button" aria-pressed={mode === 'login'} onClick={() => setMode('login')}>
            Sign in
          </button>
          <button
            type="button"
            aria-pressed={mode === 'register'}
            onClick={() => setMode('register')}
          >
            Create account
          </button>
        </div>
        {mode === 'register' && (
          <label className="field">
            <span>Name</span>
            <input
              data-testid="auth-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoComplete="name"
              required
              maxLength={100}
            />
          </label>
        )}
        <label className="field">
          <span>Email</span>
          <input
            data-testid="auth-email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="email"
            required
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            data-testid="auth-password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            minLength={mode === 'register' ? 8 : undefined}
            required
          />
          {mode === 'register' && <small className="muted">At least 8 characters.</small>}
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {mode === 'login' ? (
          <button className="button primary wide" data-testid="auth-login" disabled={busy}>
            Sign in
          </button>
        ) : (
          <button className="button primary wide" data-testid="auth-register" disabled={busy}>
            Create account
          </button>
        )}
      </form>
    </main>
  );
}

function authMessage(err: unknown, mode: Mode): string {
  const status = (err as { status?: number }).status;
  if (mode === 'login' && status === 401) return 'Wrong email or password.';
  if (mode === 'register' && status === 409) return 'An account with this email already exists.';
  return describeError(err, () => '');
}

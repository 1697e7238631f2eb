/** Reconnection delays: exponential, capped, with jitter so that clients do not come back in step. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  factor: number;
  /** 0..1: how much of each delay is random (0.5: between half and all of it). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/** The delay before retry `attempt` (0 for the first): in [base × (1 − jitter), base]. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  return Math.round(base * (1 - options.jitter * random()));
}

/** Refreshing sooner than this after a token was issued would only spin. */
export const MIN_REFRESH_DELAY_MS = 1_000;
/** A refresh is due this long before expiry at most (or a third of the lifetime, if shorter). */
export const MAX_REFRESH_LEAD_MS = 60_000;

/**
 * How long to wait before refreshing an access token issued at `issuedAtMs` that expires at
 * `expiresAtMs`: a third of its lifetime before expiry, at most a minute before, and never
 * sooner than MIN_REFRESH_DELAY_MS from now, so that short lifetimes cannot make it loop.
 */
export function refreshDelay(issuedAtMs: number, expiresAtMs: number, nowMs: number): number {
  const lead = Math.min(MAX_REFRESH_LEAD_MS, (expiresAtMs - issuedAtMs) / 3);
  return Math.max(MIN_REFRESH_DELAY_MS, Math.round(expiresAtMs - lead - nowMs));
}

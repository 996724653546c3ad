// The rate-limit rules, the windows they count in, and counting an attempt (or answering 429).
import { rowsOf, type Database, type Statement } from '../db/client';
import { rateLimitStateStatement, takeRateLimitStatement, type RateState, type RateWindow } from '../db/rate-limits';
import { AppError } from '../errors';
import { addressBucket } from '../lib/address-bucket';

const MINUTE = 60_000;

interface RateRule {
  name: string;
  limit: number;
  windowMs: number;
}

export const RATE_RULES = {
  loginPerAddress: { name: 'login-ip', limit: 60, windowMs: 10 * MINUTE },
  /** Password checks per account: reserved before hashing, given back only when the password is right. */
  failedLoginsPerAccount: { name: 'login-failed', limit: 10, windowMs: 15 * MINUTE },
  registrationsPerAddress: { name: 'register-ip', limit: 20, windowMs: 10 * MINUTE },
  /** Passkey ceremonies started (each stores a challenge), per client address and per account. */
  passkeyChallengesPerAddress: { name: 'passkey-ip', limit: 60, windowMs: 10 * MINUTE },
  passkeyChallengesPerAccount: { name: 'passkey-user', limit: 30, windowMs: 10 * MINUTE },
  emailsPerAccount: { name: 'email', limit: 5, windowMs: 60 * MINUTE },
  resetRequestsPerAddress: { name: 'forgot-ip', limit: 20, windowMs: 60 * MINUTE },
  /** Invitations mailed to one address, from any organization; by one inviter; from one organization. */
  invitationsPerAddress: { name: 'invite', limit: 5, windowMs: 60 * MINUTE },
  invitationsPerInviter: { name: 'invite-by', limit: 50, windowMs: 60 * MINUTE },
  invitationsPerOrganization: { name: 'invite-org', limit: 50, windowMs: 60 * MINUTE },
  /** API keys made by one user (each emails them): revoking gives nothing back. */
  apiKeysPerMaker: { name: 'api-key-make', limit: 20, windowMs: 60 * MINUTE },
} satisfies Record<string, RateRule>;

/** A window counted per account, keyed by its normalised email (known or not). */
export function accountWindow(rule: RateRule, email: string): RateWindow {
  return { key: `${rule.name}:${email}`, limit: rule.limit, windowMs: rule.windowMs };
}

/**
 * A window counted per client address: IPv4 by address, IPv6 by /64. Requests without
 * CF-Connecting-IP (local development) share one bucket.
 */
export function addressWindow(rule: RateRule, ip: string | null): RateWindow {
  return {
    key: `${rule.name}:${ip === null ? 'unknown' : addressBucket(ip)}`,
    limit: rule.limit,
    windowMs: rule.windowMs,
  };
}

/** Seconds until the window's oldest attempt leaves it (at least 1). */
function secondsUntilRoom(window: RateWindow, state: RateState | undefined, now: Date): number {
  const oldest = state?.oldest ?? now.getTime();
  return Math.max(1, Math.ceil((oldest + window.windowMs - now.getTime()) / 1000));
}

const rateLimited = (retryAfter: number) =>
  new AppError('RATE_LIMITED', undefined, {
    headers: { 'Retry-After': String(retryAfter) },
  });

/** 429 for a request refused by a full window; `states` from rateLimitStateStatement, in order. The window that frees up last says when to come back. */
export function windowsFull(windows: RateWindow[], states: (RateState | undefined)[], now: Date) {
  const waits = windows
    .map((window, i) => ({ window, state: states[i] }))
    .filter(({ window, state }) => (state?.hits ?? 0) >= window.limit)
    .map(({ window, state }) => secondsUntilRoom(window, state, now));
  return rateLimited(Math.max(1, ...waits));
}

/**
 * One attempt counted in every window at once, or in none. The statements go first in the caller's
 * batch (the count shares a D1 round trip with whatever else the request reads); `settle` reads
 * their results: it throws 429 when a window is full, else returns the id of the attempt counted
 * in each window, by key, so that one can be given back.
 */
export function countAttempt(db: Database, windows: RateWindow[], now: Date) {
  const statements: Statement[] = [
    takeRateLimitStatement(db, windows, now),
    ...windows.map((w) => rateLimitStateStatement(db, w, now)),
  ];
  function settle(results: D1Result[]): Map<string, number> {
    const taken = rowsOf<{ id: number; key: string }>(results[0]);
    if (taken.length === windows.length) return new Map(taken.map((row) => [row.key, row.id]));
    throw windowsFull(
      windows,
      windows.map((_, i) => rowsOf<RateState>(results[i + 1])[0]),
      now,
    );
  }
  return { statements, settle };
}

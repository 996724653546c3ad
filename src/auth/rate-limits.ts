// The rate-limit rules of CONTRACT §5 and the 429 they produce.
import type { RateState, RateWindow } from '../db/rate-limits';
import { AppError } from '../errors';

const MINUTE = 60_000;

interface RateRule {
  name: string;
  limit: number;
  windowMs: number;
}

export const RATE_RULES = {
  loginPerAddress: { name: 'login-ip', limit: 60, windowMs: 10 * MINUTE },
  failedLoginsPerAccount: { name: 'login-failed', limit: 10, windowMs: 15 * MINUTE },
  registrationsPerAddress: { name: 'register-ip', limit: 20, windowMs: 10 * MINUTE },
  emailsPerAccount: { name: 'email', limit: 5, windowMs: 60 * MINUTE },
} satisfies Record<string, RateRule>;

/** Requests without CF-Connecting-IP (local development) share one address bucket. */
export function rateWindow(rule: RateRule, subject: string | null): RateWindow {
  return { key: `${rule.name}:${subject ?? 'unknown'}`, limit: rule.limit, windowMs: rule.windowMs };
}

export function rateLimited(window: RateWindow, state: RateState | undefined, now: Date): AppError {
  const oldest = state?.oldest ?? now.getTime();
  const retryAfter = Math.max(1, Math.ceil((oldest + window.windowMs - now.getTime()) / 1000));
  return new AppError(429, 'RATE_LIMITED', 'Too many attempts; try again later.', {
    headers: { 'Retry-After': String(retryAfter) },
  });
}

export function isFull(window: RateWindow, state: RateState | undefined): boolean {
  return (state?.hits ?? 0) >= window.limit;
}

// Calling the real Worker, with the test settings or with some of them changed, and reading its error answers.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { ERROR_CODES, type ErrorCode } from '../../src/error-codes';
import type { ErrorBody } from '../../src/errors';
import worker from '../../src/index';
import { TEST_API_URL } from './settings';

/** A request to the Worker under test, exactly as a client would send it. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${TEST_API_URL}${path}`, init));
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/**
 * Calls the Worker's fetch handler with some bindings replaced (undefined removes one). `path` is
 * relative to API_URL, or a whole URL when the host the request arrives at matters.
 */
export async function callWithBindings(
  overrides: Record<string, unknown>,
  path: string,
  init?: RequestInit,
): Promise<Response> {
  const bindings = { ...env, ...overrides } as Env;
  const ctx = createExecutionContext();
  const url = /^https?:\/\//.test(path) ? path : `${TEST_API_URL}${path}`;
  const response = await worker.fetch(new Request(url, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The value of cookie `name` in a response's Set-Cookie, or null when it sets none. */
export function cookieValue(response: Response, name: string): string | null {
  const match = new RegExp(`(?:^|,\\s*)${name}=([^;]*)`).exec(response.headers.get('Set-Cookie') ?? '');
  return match ? match[1]! : null;
}

/** The contract's error body, as src/errors.ts renders it. */
export type { ErrorBody } from '../../src/errors';

/** The JSON body of an error answer. */
export async function errorBody(response: Response): Promise<ErrorBody> {
  expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
  return response.json();
}

/**
 * Asserts an error answer: its status, a JSON body of the contract's shape (`error` and `code`
 * strings) and its code, which must be the catalogue's (src/error-codes.ts) with that status.
 * Returns the body, for tests that also check the message or the issues.
 */
export async function expectError(response: Response, status: number, code: ErrorCode): Promise<ErrorBody> {
  const entry: { status: number; alsoStatus?: number } = ERROR_CODES[code];
  expect([entry.status, entry.alsoStatus], `${code}'s status in the catalogue`).toContain(status);
  expect(response.status).toBe(status);
  const body = await errorBody(response);
  expect(body).toMatchObject({ error: expect.any(String), code });
  return body;
}

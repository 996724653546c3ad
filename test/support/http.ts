// Calling the real Worker, with the test settings or with some of them changed, and reading its error answers.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { ERROR_CODES, type ErrorCode } from '../../src/error-codes';
import type { ErrorBody } from '../../src/errors';
import worker from '../../src/index';
import { TEST_API_URL } from './settings';

/** A request to the Worker under test, exactly as a client would send it. */
export async function call(path: string, init?: RequestInit): Promise<Response> {
  const request = new Request(`${TEST_API_URL}${path}`, init);
  return checkedAgainstDocument(request, await exports.default.fetch(request));
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
  const request = new Request(url, init);
  const response = await worker.fetch(request, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return checkedAgainstDocument(request, response);
}

/** What an operation's error response looks like (errorResponses in src/openapi.ts). */
interface ErrorSchema {
  allOf?: { properties?: { code?: { enum?: string[] } } }[];
}
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: ErrorSchema }> }> };
let operations: Promise<{ method: string; pattern: RegExp; path: string; operation: Operation }[]> | undefined;

/** `/api/auth/sessions/{id}` as a regular expression matching `/api/auth/sessions/abc`. */
const pathPattern = (path: string) =>
  new RegExp(
    `^${path
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  );

/** The API's operations, from the OpenAPI document the Worker serves (read once per test file). */
function documentedOperations() {
  operations ??= (async () => {
    const response = await exports.default.fetch(new Request(`${TEST_API_URL}/api/openapi.json`));
    const document = (await response.json()) as { paths: Record<string, Record<string, Operation>> };
    return Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operation,
        pattern: pathPattern(path),
      })),
    );
  })();
  return operations;
}

/**
 * Every error answer a test sees must be one its route's OpenAPI description lists: the code in the
 * enum of that status's response. So the whole suite keeps the per-route codes that generated
 * clients switch on honest. Unknown routes (no operation) are not checked.
 */
async function checkedAgainstDocument(request: Request, response: Response): Promise<Response> {
  if (response.status < 400 || !response.headers.get('Content-Type')?.startsWith('application/json')) return response;
  const { pathname } = new URL(request.url);
  if (pathname === '/api/openapi.json') return response;
  const match = (await documentedOperations()).find(
    (entry) => entry.method === request.method && entry.pattern.test(pathname),
  );
  if (!match) return response;
  const { code } = (await response.clone().json()) as { code?: string };
  // errorResponses() (src/openapi.ts): allOf [the Error component, { code: enum of this route's codes }].
  const schema = match.operation.responses?.[String(response.status)]?.content?.['application/json']?.schema;
  const documented = schema?.allOf?.[1]?.properties?.code?.enum ?? [];
  if (code === undefined || !documented.includes(code)) {
    throw new Error(
      `${request.method} ${match.path} answered ${response.status} ${code}, which its OpenAPI description does not list ` +
        `(documented for ${response.status}: ${documented.join(', ') || 'nothing'})`,
    );
  }
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

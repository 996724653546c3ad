// The one error type the client throws for an API's error answer, and the codes it may carry.
import type { components, paths } from './api.js';

/** Every code the API answers (its error-code catalogue). */
export type ErrorCode = components['schemas']['Error']['code'];

type ErrorBodies<R> = {
  [S in keyof R]: S extends 400 | 401 | 402 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 502 | 503
    ? R[S] extends { content: { 'application/json': infer B } }
      ? B
      : never
    : never;
}[keyof R];

/**
 * The codes one operation may answer, from the API's description, e.g.
 * `OperationErrorCode<'/api/auth/login', 'post'>` is `'INVALID_CREDENTIALS' | 'RATE_LIMITED' | ...`.
 */
export type OperationErrorCode<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? Extract<ErrorBodies<R> extends { code?: infer C } ? C : never, ErrorCode>
  : never;

export interface ValidationIssue {
  path: string;
  message: string;
}

/** An error answer from the API: its status, stable `code`, sentence, issues and request id. */
export class LiftoffError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'LiftoffError';
  constructor(
    readonly status: number,
    readonly code: C,
    message: string,
    readonly issues: ValidationIssue[] = [],
    /** The X-Request-Id of the answer: quote it when asking the API's operators about a failure. */
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

/** True when `error` is a LiftoffError, narrowed to the codes of `codes` when given. */
export function isLiftoffError<C extends ErrorCode>(error: unknown, ...codes: C[]): error is LiftoffError<C> {
  return error instanceof LiftoffError && (codes.length === 0 || (codes as ErrorCode[]).includes(error.code));
}

/** The LiftoffError for an error response (one that is not the API's JSON gets INTERNAL_ERROR). */
export async function errorFrom(response: Response): Promise<LiftoffError> {
  const requestId = response.headers.get('X-Request-Id');
  let body: { error?: unknown; code?: unknown; issues?: unknown } = {};
  try {
    body = (await response.clone().json()) as typeof body;
  } catch {
    // A proxy's HTML page, an empty body: described below.
  }
  const code = typeof body.code === 'string' ? (body.code as ErrorCode) : 'INTERNAL_ERROR';
  const message = typeof body.error === 'string' ? body.error : `The API answered ${response.status}.`;
  const issues = Array.isArray(body.issues) ? (body.issues as ValidationIssue[]) : [];
  return new LiftoffError(response.status, code, message, issues, requestId);
}

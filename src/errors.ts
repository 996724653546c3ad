// AppError and the one place that turns any thrown value into the contract's error JSON.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { ConfigError } from './config';
import { ERROR_CODES, type ErrorCode, type ErrorStatus } from './error-codes';

export interface ValidationIssue {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: string;
  code: ErrorCode;
  issues?: ValidationIssue[];
}

/**
 * An expected failure with a code from the catalogue (error-codes.ts), which gives its status and
 * default sentence; anything else thrown is a bug and becomes a 500.
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: C,
    message: string = ERROR_CODES[code].message,
    readonly extra: { status?: ErrorStatus<C>; issues?: ValidationIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = (extra.status ?? ERROR_CODES[code].status) as ContentfulStatusCode;
  }
}

export function validationError(error: ZodError): AppError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return new AppError('VALIDATION_ERROR', undefined, { issues });
}

export const notFound = (message?: string) => new AppError('NOT_FOUND', message);

/** A `cursor` query parameter this API did not hand out: 400 VALIDATION_ERROR. */
export const invalidCursor = () =>
  new AppError('VALIDATION_ERROR', undefined, {
    issues: [{ path: 'cursor', message: 'is not a cursor from this API' }],
  });

// Hono's own exceptions (from its validators and middleware) mapped onto contract codes.
const httpExceptionCodes: Partial<Record<number, ErrorCode>> = {
  400: 'INVALID_JSON',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Normalises any thrown value to an AppError; unknown errors become a generic 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ConfigError) {
    // Naming the setting helps whoever deploys; the detail never includes a setting's value.
    return new AppError('CONFIG_ERROR', `The server is misconfigured: ${err.details.join('; ')}.`);
  }
  if (err instanceof HTTPException) {
    const mapped = httpExceptionCodes[err.status];
    if (mapped) return new AppError(mapped);
  }
  return new AppError('INTERNAL_ERROR');
}

/** The single place that renders an error as the contract's JSON. */
export function errorResponse(c: Context, err: unknown): Response {
  const appError = toAppError(err);
  // For the request's log line (middleware/request-log.ts), whatever the error was thrown as.
  c.set('errorCode', appError.code);
  const body: ErrorBody = { error: appError.message, code: appError.code };
  if (appError.extra.issues) body.issues = appError.extra.issues;
  for (const [name, value] of Object.entries(appError.extra.headers ?? {})) c.header(name, value);
  return c.json(body, appError.status);
}

// AppError and the one place that turns any thrown value into the contract's error JSON.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { ConfigError } from './config';

export interface ValidationIssue {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: string;
  code: string;
  issues?: ValidationIssue[];
}

/** An expected failure with a contract code; anything else thrown is a bug and becomes a 500. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly extra: { issues?: ValidationIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function validationError(error: ZodError): AppError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return new AppError(400, 'VALIDATION_ERROR', 'The request is not valid.', { issues });
}

export const notFound = (message = 'Not found.') => new AppError(404, 'NOT_FOUND', message);

// Hono's own exceptions (from its validators and middleware) mapped onto contract codes.
const httpExceptionCodes: Partial<Record<number, [string, string]>> = {
  400: ['INVALID_JSON', 'The request body is not valid JSON.'],
  404: ['NOT_FOUND', 'Not found.'],
  413: ['PAYLOAD_TOO_LARGE', 'The request body is too large.'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.'],
};

/** Normalises any thrown value to an AppError; unknown errors become a generic 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ConfigError) {
    // Naming the setting helps whoever deploys; the detail never includes a setting's value.
    return new AppError(500, 'CONFIG_ERROR', `The server is misconfigured: ${err.details.join('; ')}.`);
  }
  if (err instanceof HTTPException) {
    const mapped = httpExceptionCodes[err.status];
    if (mapped) return new AppError(err.status as ContentfulStatusCode, mapped[0], mapped[1]);
  }
  return new AppError(500, 'INTERNAL_ERROR', 'Something went wrong on our side.');
}

/** The single place that renders an error as the contract's JSON. */
export function errorResponse(c: Context, err: unknown): Response {
  const appError = toAppError(err);
  const body: ErrorBody = { error: appError.message, code: appError.code };
  if (appError.extra.issues) body.issues = appError.extra.issues;
  for (const [name, value] of Object.entries(appError.extra.headers ?? {})) c.header(name, value);
  return c.json(body, appError.status);
}

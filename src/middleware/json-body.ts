// Body rules for JSON routes: a size cap, JSON only, and syntax errors answered before validation.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors';

const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

export function payloadTooLarge(maxBytes: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`);
}

export function jsonBody(options: { maxBytes: number; skipPrefixes: string[] }): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: options.maxBytes,
    onError: () => {
      throw payloadTooLarge(options.maxBytes);
    },
  });
  return async function jsonBody(c, next) {
    if (!c.req.raw.body) return next();
    if (options.skipPrefixes.some((prefix) => c.req.path.startsWith(prefix))) return next();
    return limit(c, async () => {
      // Hono caches the body, so route validators reuse this read instead of reading again.
      const text = await c.req.text();
      if (text === '') return next();
      // Refusing other types also stops cross-site form posts (text/plain) from reaching handlers.
      if (!JSON_CONTENT_TYPE.test(c.req.header('content-type') ?? '')) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE');
      }
      try {
        await c.req.json();
      } catch {
        throw new AppError('INVALID_JSON');
      }
      await next();
    });
  };
}

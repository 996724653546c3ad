// GET /.well-known/jwks.json: the public verification keys, so other services check tokens without a secret.
import { createRoute, z } from '@hono/zod-openapi';
import { getKeyRing } from '../auth/signing-keys';
import { errorResponses, jsonResponse } from '../openapi';
import { createRouter } from '../router';

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  security: [],
  tags: ['Auth'],
  summary: 'Public keys that verify access tokens',
  description:
    'Public keys only. Empty in HS256 (JWT_SECRET) mode, where tokens can only be verified with the shared secret.',
  responses: {
    200: jsonResponse(z.object({ keys: z.array(z.record(z.string(), z.string())) }).openapi('JWKS'), 'A JWK Set.'),
    ...errorResponses(),
  },
});

export const jwksRouter = createRouter().openapi(jwksRoute, async (c) => {
  const { publicJwks } = await getKeyRing(c.get('config').jwt);
  // Short enough that a rotated-in key reaches verifiers well within one access-token lifetime.
  c.header('Cache-Control', 'public, max-age=300');
  return c.json({ keys: publicJwks as Record<string, string>[] }, 200);
});

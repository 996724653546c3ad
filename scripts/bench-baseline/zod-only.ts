// A Worker that loads zod with @hono/zod-openapi's extension and builds nothing with it: `npm run
// bench` measures its start-up to show what zod alone costs before any schema exists. Not part of
// Liftoff.
import { z } from '@hono/zod-openapi';

export default {
  fetch: () => new Response(`not found (${typeof z.object})`, { status: 404 }),
} satisfies ExportedHandler;

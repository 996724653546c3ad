// A Worker that loads Liftoff's libraries and builds nothing with them: `npm run bench` measures its
// start-up to separate what the libraries cost (parsing and evaluating hono, zod with
// @hono/zod-openapi, drizzle with Liftoff's tables, jose) from what Liftoff's own code adds on top.
// Not part of Liftoff.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { drizzle } from 'drizzle-orm/d1';
import { jwtVerify } from 'jose';
import * as tables from '../../src/db/schema';

// Referenced, so the bundler keeps every library whole, as Liftoff's bundle does.
const loaded = [OpenAPIHono, z.object, drizzle, jwtVerify, Object.keys(tables).length];

export default {
  fetch: () => new Response(`not found (${loaded.length} libraries loaded)`, { status: 404 }),
} satisfies ExportedHandler;

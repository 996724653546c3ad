// A local stand-in for Resend's HTTP API (POST /emails), run in Node on loopback by test/support/global-setup.ts.
// Each test namespaces itself by its API key: what a key sent, and how the fake answers it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEmail {
  idempotencyKey: string | null;
  body: { from: string; to: string[]; subject: string; text: string; html: string };
}

interface Namespace {
  failWith: number | null;
  received: ReceivedEmail[];
}

export async function startResendFake(): Promise<{ url: string; server: Server }> {
  const namespaces = new Map<string, Namespace>();
  const namespace = (key: string) => {
    let ns = namespaces.get(key);
    if (!ns) namespaces.set(key, (ns = { failWith: null, received: [] }));
    return ns;
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://fake');
    // Control endpoints used by the tests.
    if (url.pathname === '/__fake/fail' && req.method === 'POST') {
      const { key, status } = JSON.parse(text) as { key: string; status: number | null };
      namespace(key).failWith = status;
      return reply(200, { ok: true });
    }
    if (url.pathname === '/__fake/received' && req.method === 'GET') {
      return reply(200, namespace(url.searchParams.get('key') ?? '').received);
    }
    // The Resend API itself.
    if (url.pathname === '/emails' && req.method === 'POST') {
      const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!key) return reply(401, { statusCode: 401, name: 'missing_api_key', message: 'Missing API key' });
      const ns = namespace(key);
      if (ns.failWith !== null)
        return reply(ns.failWith, { statusCode: ns.failWith, name: 'application_error', message: 'Simulated outage' });
      const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
      ns.received.push({ idempotencyKey, body: JSON.parse(text) });
      return reply(200, { id: `fake_${ns.received.length}` });
    }
    reply(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

// Local stand-ins for Google's and GitHub's OAuth endpoints, with their real response shapes, run in
// Node on loopback by test/support/global-setup.ts. The test chooses who "consents" by adding `fake_identity`
// (base64url JSON) to the authorization URL the API redirected it to; the fake then redirects back
// with a code, as the real consent screen would.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const FAKE_CLIENT_SECRET = 'fake-client-secret';

export interface FakeIdentity {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** Google only: ruin the ID token in one way. */
  tamper?: 'signature' | 'aud' | 'nonce' | 'expired' | 'issuer';
  /** GitHub only: the /user/emails list to return. */
  emails?: { email: string; primary: boolean; verified: boolean; visibility: string | null }[];
}

interface IssuedCode {
  identity: FakeIdentity;
  clientId: string;
  redirectUri: string;
  challenge: string | null;
  nonce: string | null;
  used: boolean;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function s256(verifier: string) {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Authorization endpoint shared by both fakes: record the request, "consent", redirect back. */
function authorize(url: URL, res: ServerResponse, codes: Map<string, IssuedCode>) {
  const redirectUri = url.searchParams.get('redirect_uri');
  const state = url.searchParams.get('state');
  const identity = url.searchParams.get('fake_identity');
  if (!redirectUri || !state || !identity) return json(res, 400, { error: 'invalid_request' });
  const code = randomUUID();
  codes.set(code, {
    identity: JSON.parse(Buffer.from(identity, 'base64url').toString('utf8')),
    clientId: url.searchParams.get('client_id') ?? '',
    redirectUri,
    challenge: url.searchParams.get('code_challenge_method') === 'S256' ? url.searchParams.get('code_challenge') : null,
    nonce: url.searchParams.get('nonce'),
    used: false,
  });
  const back = new URL(redirectUri);
  back.searchParams.set('code', code);
  back.searchParams.set('state', state);
  res.writeHead(302, { Location: back.toString() });
  res.end();
}

/** Token endpoint checks shared by both fakes: code, client secret, redirect_uri and PKCE. */
function redeem(req: IncomingMessage, form: URLSearchParams, codes: Map<string, IssuedCode>): IssuedCode | null {
  const issued = codes.get(form.get('code') ?? '');
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const [clientId, secret] = basic
    ? Buffer.from(basic, 'base64').toString('utf8').split(':')
    : [form.get('client_id'), form.get('client_secret')];
  if (!issued || issued.used || clientId !== issued.clientId || secret !== FAKE_CLIENT_SECRET) return null;
  if (form.get('redirect_uri') !== issued.redirectUri) return null;
  if (issued.challenge === null || s256(form.get('code_verifier') ?? '') !== issued.challenge) return null;
  issued.used = true;
  return issued;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startGoogleFake(): Promise<{ url: string; server: Server }> {
  const codes = new Map<string, IssuedCode>();
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fake-google-1', alg: 'RS256', use: 'sig' };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') return authorize(url, res, codes);
    if (req.method === 'GET' && url.pathname === '/oauth2/v3/certs') return json(res, 200, { keys: [jwk] });
    if (req.method === 'POST' && url.pathname === '/token') {
      const issued = redeem(req, new URLSearchParams(await readBody(req)), codes);
      if (!issued) return json(res, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
      const { identity } = issued;
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        azp: issued.clientId,
        sub: identity.sub,
        email: identity.email,
        email_verified: identity.email_verified,
        name: identity.name,
        nonce: identity.tamper === 'nonce' ? 'someone-elses-nonce' : issued.nonce,
      };
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'fake-google-1', typ: 'JWT' })
        .setIssuer(identity.tamper === 'issuer' ? 'https://accounts.evil.example' : 'https://accounts.google.com')
        .setAudience(identity.tamper === 'aud' ? 'someone-elses-client.apps.googleusercontent.com' : issued.clientId)
        .setIssuedAt(identity.tamper === 'expired' ? now - 7200 : now)
        .setExpirationTime(identity.tamper === 'expired' ? now - 3600 : now + 3600)
        .sign(identity.tamper === 'signature' ? other.privateKey : privateKey);
      return json(res, 200, {
        access_token: `ya29.${randomUUID()}`,
        expires_in: 3599,
        scope: 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
        token_type: 'Bearer',
        id_token: idToken,
      });
    }
    json(res, 404, { error: 'not_found' });
  });
  return { url: await listen(server), server };
}

export async function startGitHubFake(): Promise<{ url: string; server: Server }> {
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, FakeIdentity>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') return authorize(url, res, codes);
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const issued = redeem(req, new URLSearchParams(await readBody(req)), codes);
      // GitHub answers a bad code with 200 and an error body.
      if (!issued) {
        return json(res, 200, {
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
          error_uri:
            'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
        });
      }
      const token = `gho_${randomUUID().replace(/-/g, '')}`;
      tokens.set(token, issued.identity);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const identity = tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    if (req.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
      if (!identity)
        return json(res, 401, {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        });
      if (!req.headers['user-agent']) return json(res, 403, { message: 'Request forbidden by administrative rules.' });
      if (url.pathname === '/user') {
        return json(res, 200, {
          login: identity.name?.toLowerCase().replace(/\W/g, '') || 'octocat',
          id: Number(identity.sub),
          name: identity.name ?? null,
          email: null,
          type: 'User',
        });
      }
      return json(res, 200, identity.emails ?? []);
    }
    json(res, 404, { message: 'Not Found' });
  });
  return { url: await listen(server), server };
}

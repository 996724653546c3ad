// Runs in Node before the workerd test pool: starts the local fakes and tells the tests where they are.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';
import type { TestProject } from 'vitest/node';
import { DOCS_ASSETS_DIR } from '../../scripts/lib/docs-assets.mjs';
import { startGitHubFake, startGoogleFake } from './fakes/oauth-fakes';
import { startOidcProviderFakes } from './fakes/oidc-provider';
import { startResendFake } from './fakes/resend-fake';
import { startStripeFake } from './fakes/stripe-fake';

declare module 'vitest' {
  export interface ProvidedContext {
    resendFakeUrl: string;
    googleFakeUrl: string;
    githubFakeUrl: string;
    oidcIssuer: string;
    stripeFakeUrl: string;
    oidcpIssuer: string;
    oidcpParIssuer: string;
    oidcpClaimsIssuer: string;
    oidcpSlashIssuer: string;
    oidcpControlUrl: string;
  }
}

/** A real OpenID Connect server; the identity it vouches for comes from the `fake_identity` parameter. */
async function startOidcServer(): Promise<OAuth2Server> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  const identities = new Map<string, Record<string, unknown>>();
  server.service.on('beforeAuthorizeRedirect', (redirect: { url: URL }, req: { query: Record<string, string> }) => {
    const code = redirect.url.searchParams.get('code');
    const identity = req.query.fake_identity;
    if (code && identity) identities.set(code, JSON.parse(Buffer.from(identity, 'base64url').toString('utf8')));
  });
  server.service.on(
    'beforeTokenSigning',
    (token: { payload: Record<string, unknown> }, req: { body: Record<string, string> }) => {
      const identity = identities.get(req.body.code ?? '');
      if (identity) Object.assign(token.payload, identity);
    },
  );
  await server.start(0, '127.0.0.1');
  return server;
}

export default async function setup(project: TestProject) {
  // The pool reads wrangler.toml after this setup, and refuses an `[assets]` directory that does not
  // exist (a fresh clone has none until the first build). Its files are not needed here: requests in
  // this project reach the Worker itself, not the asset server (test/e2e/api-docs.test.ts covers those).
  mkdirSync(DOCS_ASSETS_DIR, { recursive: true });
  const [resend, google, github, oidc, stripe, oidcp] = await Promise.all([
    startResendFake(),
    startGoogleFake(),
    startGitHubFake(),
    startOidcServer(),
    startStripeFake(),
    // panva's oidc-provider: ports only here; each instance loads it on its first request.
    startOidcProviderFakes(),
  ]);
  project.provide('resendFakeUrl', resend.url);
  project.provide('googleFakeUrl', google.url);
  project.provide('githubFakeUrl', github.url);
  project.provide('oidcIssuer', oidc.issuer.url!);
  project.provide('stripeFakeUrl', stripe.url);
  project.provide('oidcpIssuer', oidcp.issuer);
  project.provide('oidcpParIssuer', oidcp.parIssuer);
  project.provide('oidcpClaimsIssuer', oidcp.claimsIssuer);
  project.provide('oidcpSlashIssuer', oidcp.slashIssuer);
  project.provide('oidcpControlUrl', oidcp.controlUrl);
  return async () => {
    const close = (server: Server) => new Promise((resolve) => server.close(resolve));
    await Promise.all([
      close(resend.server),
      close(google.server),
      close(github.server),
      close(stripe.server),
      oidc.stop(),
      oidcp.close(),
    ]);
  };
}

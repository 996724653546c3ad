// Starts what a browser test needs on loopback: the built Worker (API), the example front end on
// another port, a foreign origin, a Stripe fake, and Debian's Chromium through playwright-core.
import type { Server } from 'node:http';
export { freePort };
import { chromium, type Browser } from 'playwright-core';
import { inject } from 'vitest';
import { serveExample } from '../../examples/serve.mjs';
import { DOCS_ASSETS_DIR } from '../../scripts/lib/docs-assets.mjs';
import { freePort } from '../../scripts/lib/free-port';
import { startLocalWorker } from '../../scripts/lib/local-worker';
import { generateSigningKeySet } from '../../scripts/lib/signing-keys.mjs';
import { startStripeFake } from '../support/fakes/stripe-fake';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function startStack() {
  const [apiPort, frontPort, foreignPort] = [await freePort(), await freePort(), await freePort()];
  const api = `http://localhost:${apiPort}`;
  const front = `http://localhost:${frontPort}`;
  const foreign = `http://localhost:${foreignPort}`;
  const stripe = await startStripeFake();
  const worker = await startLocalWorker(
    inject('bundleDir'),
    {
      APP_ENV: 'test',
      APP_URL: front,
      API_URL: api,
      CORS_ORIGINS: front,
      JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
      EMAIL_PROVIDER: 'log',
      STRIPE_SECRET_KEY: 'sk_test_browser',
      STRIPE_WEBHOOK_SECRET: 'whsec_browser',
      STRIPE_PRICE_IDS: 'price_basic',
      STRIPE_API_URL: stripe.url,
    },
    // The asset server in front, as deployed: the API reference's files (/api/docs/ui/).
    { port: apiPort, assetsDir: DOCS_ASSETS_DIR },
  );
  const frontServer = (await serveExample(frontPort)) as Server;
  const foreignServer = (await serveExample(foreignPort)) as Server;
  const browser = await launchChromium();
  return {
    api,
    front,
    foreign,
    db: worker.db,
    browser,
    async stop() {
      await browser.close();
      await worker.mf.dispose();
      await Promise.all(
        [frontServer, foreignServer, stripe.server].map((s) => new Promise((resolve) => s.close(resolve))),
      );
    },
  };
}

/** Debian's Chromium, headless. Flags from the machine's notes: no background networking (this network is closed), a fresh profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

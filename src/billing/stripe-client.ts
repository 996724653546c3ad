// The Stripe client for Workers: fetch HTTP client, SubtleCrypto for webhooks, loaded only on billing paths.
import type Stripe from 'stripe';
import type { Config, StripeSettings } from '../config';
import { AppError } from '../errors';
import { cachedPromise } from '../lib/promise-cache';

// One client per settings object: building one costs ~0.15 ms and it holds no per-request state.
// The package itself is imported lazily, so routes that never bill never evaluate it.
const clients = new WeakMap<StripeSettings, Promise<Stripe>>();

export function stripeSettings(config: Config): StripeSettings {
  if (!config.stripe) throw new AppError('BILLING_NOT_CONFIGURED');
  return config.stripe;
}

export function getStripe(settings: StripeSettings): Promise<Stripe> {
  // The SDK is a separate module in the build: a failed load is retried by the next request.
  return cachedPromise(clients, settings, () => createClient(settings));
}

async function createClient(settings: StripeSettings): Promise<Stripe> {
  const { default: StripeClient } = await import('stripe');
  const api = settings.apiUrl ? new URL(settings.apiUrl) : null;
  return new StripeClient(settings.secretKey, {
    httpClient: StripeClient.createFetchHttpClient(),
    // STRIPE_API_URL points the client at a Stripe-compatible server (stripe-mock, a local fake).
    ...(api
      ? {
          host: api.hostname,
          port: api.port || (api.protocol === 'https:' ? 443 : 80),
          protocol: api.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
    maxNetworkRetries: 1,
    timeout: 10_000,
  });
}

/**
 * Webhook verification over the raw body with WebCrypto. Stripe's own SubtleCrypto provider imports
 * the HMAC key from the secret on every call (a third of the webhook's CPU in the profile); this one
 * imports it once per secret and isolate, and otherwise computes exactly what Stripe's does.
 */
export async function constructStripeEvent(
  settings: StripeSettings,
  rawBody: string,
  signature: string,
): Promise<Stripe.Event> {
  const stripe = await getStripe(settings);
  return stripe.webhooks.constructEventAsync(
    rawBody,
    signature,
    settings.webhookSecret,
    undefined,
    webhookCryptoProvider,
  );
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();
const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The methods of Stripe's CryptoProvider that webhook verification calls. */
export const webhookCryptoProvider: Stripe.CryptoProvider = {
  computeHMACSignature(): string {
    throw new Error('Workers verify webhooks asynchronously (constructEventAsync)');
  },
  async computeHMACSignatureAsync(payload: string, secret: string): Promise<string> {
    const key = await cachedPromise(hmacKeys, secret, () =>
      crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
    );
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(payload)));
    let hex = '';
    for (const byte of mac) hex += HEX[byte];
    return hex;
  },
  async computeSHA256Async(data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  },
};

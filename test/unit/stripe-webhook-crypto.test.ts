import Stripe from 'stripe';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webhookCryptoProvider } from '../../src/billing/stripe-client';
import { signPayload } from '../support/billing';

describe('the webhook crypto provider', () => {
  afterEach(() => vi.restoreAllMocks());

  it("computes Stripe's documented sample signatures", async () => {
    // The sample values in stripe's CryptoProvider interface.
    expect(await webhookCryptoProvider.computeHMACSignatureAsync('', 'test_secret')).toBe(
      'f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd',
    );
    expect(await webhookCryptoProvider.computeHMACSignatureAsync('\ud83d\ude00', 'test_secret')).toBe(
      '837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43',
    );
  });

  it("matches Stripe's SubtleCrypto provider, per secret, and imports each secret's key once", async () => {
    const stripes = Stripe.createSubtleCryptoProvider();
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const secrets = ['whsec_cache_a', 'whsec_cache_b'];
    for (let i = 0; i < 3; i++) {
      for (const secret of secrets) {
        const payload = `${i}.{"id":"evt_${i}"}`;
        expect(await webhookCryptoProvider.computeHMACSignatureAsync(payload, secret)).toBe(
          await stripes.computeHMACSignatureAsync(payload, secret),
        );
      }
    }
    // Stripe's provider imported a key on each of its 6 calls; ours once per secret.
    expect(importKey).toHaveBeenCalledTimes(6 + secrets.length);
  });

  it('verifies a signed event and refuses a tampered one', async () => {
    const secret = 'whsec_cache_verify';
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const signer = new Stripe('sk_test_unused');
    const header = await signPayload(payload, { secret });
    const event = await signer.webhooks.constructEventAsync(payload, header, secret, undefined, webhookCryptoProvider);
    expect(event.id).toBe('evt_1');
    await expect(
      signer.webhooks.constructEventAsync(
        payload.replace('evt_1', 'evt_2'),
        header,
        secret,
        undefined,
        webhookCryptoProvider,
      ),
    ).rejects.toThrow(/signature/i);
  });

  it('has no synchronous form (Workers have no synchronous HMAC)', () => {
    expect(() => webhookCryptoProvider.computeHMACSignature('', 'test_secret')).toThrow(/asynchronously/);
  });
});

// The built Worker's size budget (issue 8): sizes are deterministic for pinned dependencies, so a
// regression (say, an import that pulls Stripe into start-up) fails CI; timings stay in `npm run bench`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { readBundle } from '../../scripts/lib/bundle-modules';

const START_UP_GZIP_BUDGET = 150 * 1024;

describe('the production bundle', () => {
  it('evaluates at most 150 KiB gzip at start-up, without Stripe or the common-password list', async () => {
    const bundle = await readBundle(inject('bundleDir'));
    expect(bundle.startUp.gzipBytes).toBeLessThanOrEqual(START_UP_GZIP_BUDGET);

    expect(bundle.stripeModules.length).toBeGreaterThan(0);
    for (const module of bundle.stripeModules) expect(module.evaluatedAtStartUp).toBe(false);
    const passwordList = bundle.modules.filter((m) => m.path.includes('common-passwords'));
    expect(passwordList).toHaveLength(1);
    expect(passwordList[0]!.evaluatedAtStartUp).toBe(false);
  });

  it('leaves zod\'s translations of its messages out', async () => {
    const bundleDir = inject('bundleDir');
    const bundle = await readBundle(bundleDir);
    const code = bundle.modules.map((m) => readFileSync(join(bundleDir, m.path), 'utf8')).join('\n');
    // A phrase from zod's German messages (zod/v4/locales/de.js); the English ones stay.
    expect(code).not.toContain('Ungültige Eingabe');
    expect(code).toContain('Invalid input');
  });
});

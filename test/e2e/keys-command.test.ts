// The README's deploy step pipes `npm run ... keys` into `wrangler secret put JWT_SIGNING_KEYS`: whatever
// that command writes to stdout is stored as the secret, so it must be exactly one JWK Set (npm's own
// "> liftoff@0.1.0 keys" banner lines would make every request answer CONFIG_ERROR).
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, 'utf8');

describe("the README's key command", () => {
  it('writes exactly one JWK Set of private keys to stdout, nothing else', () => {
    const pipelines = readme.split('\n').filter((line) => line.includes('| npx wrangler secret put JWT_SIGNING_KEYS'));
    expect(pipelines.length).toBeGreaterThan(0);
    for (const pipeline of pipelines) {
      const command = pipeline.split('|')[0]!.trim();
      expect(command).toMatch(/^npm run (--silent|-s) keys\b/);
      const stdout = execSync(command, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(stdout.endsWith('\n')).toBe(true);
      expect(stdout.trimEnd().split('\n')).toHaveLength(1);
      const { keys } = JSON.parse(stdout) as { keys: { kid: string; d: string; kty: string }[] };
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kid: expect.any(String), d: expect.any(String) });
    }
  });

  it("would store npm's banner without --silent (why the README says it)", () => {
    const stdout = execSync('npm run keys', {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      // npm's default log level (`npm test --silent` would pass its own down).
      env: { ...process.env, npm_config_loglevel: 'notice' },
    });
    expect(stdout.trimStart().startsWith('>')).toBe(true);
  });
});

// `npm run dev`, the README's first command, on another port: the set-up migrates local D1, wrangler
// dev serves the API, and API_URL follows --port (tokens name it as their issuer; /admin opened as
// 127.0.0.1 is sent to it, where its session calls are accepted).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  devVarsApiUrl,
  listenPort,
  persistToArgs,
  withExplicitPort,
  wranglerDevArgs,
} from '../../scripts/lib/dev-port.mjs';
import { freePort } from './harness';

const root = new URL('../..', import.meta.url).pathname;

describe('wranglerDevArgs', () => {
  const devVars = "APP_ENV=development\nAPI_URL='http://localhost:8787'\n";

  it('moves a loopback API_URL to the --port wrangler dev listens on, and says so', () => {
    for (const args of [['--port', '9000'], ['--port=9000']]) {
      const { args: result, notice } = wranglerDevArgs(args, devVars);
      expect(result).toEqual([...args, '--var', 'API_URL:http://localhost:9000']);
      expect(notice).toContain('http://localhost:9000');
    }
    expect(wranglerDevArgs(['--port', '9000'], 'API_URL=http://127.0.0.1:8787').args).toContain(
      'API_URL:http://127.0.0.1:9000',
    );
  });

  it('changes nothing on the configured port, or for an API_URL that is not loopback', () => {
    expect(wranglerDevArgs([], devVars)).toEqual({ args: [], notice: null });
    expect(wranglerDevArgs(['--port', '8787'], devVars)).toEqual({ args: ['--port', '8787'], notice: null });
    const tunnel = 'API_URL=https://dev.example.com';
    expect(wranglerDevArgs(['--port', '9000'], tunnel)).toEqual({ args: ['--port', '9000'], notice: null });
    const chosen = ['--port', '9000', '--var', 'API_URL:https://tunnel.example'];
    expect(wranglerDevArgs(chosen, devVars)).toEqual({ args: chosen, notice: null });
    expect(wranglerDevArgs(['--port', '9000'], 'APP_ENV=development')).toEqual({
      args: ['--port', '9000'],
      notice: null,
    });
  });

  it('always names the port, so a busy 8787 stops wrangler dev instead of moving it', () => {
    expect(withExplicitPort([])).toEqual(['--port', '8787']);
    expect(withExplicitPort(['--port', '9000'])).toEqual(['--port', '9000']);
    expect(withExplicitPort(['--port=9000', '--ip', '0.0.0.0'])).toEqual(['--port=9000', '--ip', '0.0.0.0']);
  });

  it('reads the port, the persist directory and API_URL as wrangler and dotenv write them', () => {
    expect(listenPort([])).toBe('8787');
    expect(listenPort(['--ip', '127.0.0.1', '--port', '1234'])).toBe('1234');
    expect(persistToArgs(['--port', '1', '--persist-to', '/tmp/x'])).toEqual(['--persist-to', '/tmp/x']);
    expect(persistToArgs(['--persist-to=/tmp/x'])).toEqual(['--persist-to=/tmp/x']);
    expect(persistToArgs(['--port', '1'])).toEqual([]);
    expect(devVarsApiUrl('A=1\nAPI_URL="http://localhost:1"\n')).toBe('http://localhost:1');
    expect(devVarsApiUrl('API_URL=')).toBeNull();
    // dotenv keeps the last of two lines.
    expect(devVarsApiUrl('API_URL=http://localhost:1\nAPI_URL=http://localhost:2')).toBe('http://localhost:2');
  });
});

describe('npm run dev -- --port <port>', () => {
  const persistDir = mkdtempSync(join(tmpdir(), 'liftoff-dev-'));
  let dev: ChildProcess;
  let port: number;
  let output = '';
  const api = () => `http://localhost:${port}`;

  beforeAll(async () => {
    port = await freePort();
    // Exactly the README's command, with a throwaway local D1 (--persist-to) instead of .wrangler/state.
    dev = spawn('npm', ['run', 'dev', '--', '--port', String(port), '--persist-to', persistDir], {
      cwd: root,
      detached: true,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    });
    dev.stdout!.on('data', (chunk) => (output += chunk));
    dev.stderr!.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 110_000;
    for (;;) {
      if (dev.exitCode !== null) throw new Error(`npm run dev exited:\n${output}`);
      const health = await fetch(`${api()}/api/health`).catch(() => null);
      if (health?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`npm run dev did not answer in time:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 120_000);

  afterAll(() => {
    // npm, the script and wrangler share the process group started above.
    if (dev?.pid && dev.exitCode === null) process.kill(-dev.pid, 'SIGTERM');
    rmSync(persistDir, { recursive: true, force: true });
  });

  it('migrates local D1, serves the API, and issues tokens named for the port it listens on', async () => {
    expect(existsSync(join(root, '.dev.vars'))).toBe(true);
    if (devVarsApiUrl(readFileSync(join(root, '.dev.vars'), 'utf8')) === 'http://localhost:8787') {
      expect(output).toContain(`API_URL follows --port: ${api()}`);
    }
    const response = await fetch(`${api()}/api/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `dev-${Date.now()}@example.com`, password: 'mauve-orbit-tundra-42' }),
    });
    expect(response.status).toBe(201);
    const { access_token } = (await response.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString());
    expect(claims.iss).toBe(api());

    // The refresh cookie's route accepts the API's own origin (the /admin page's)...
    const cookie = response.headers.get('Set-Cookie')!.split(';')[0]!;
    const refreshed = await fetch(`${api()}/api/auth/refresh`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: api() },
    });
    expect(refreshed.status).toBe(200);
    // ...and /admin opened as 127.0.0.1 is sent there.
    const admin = await fetch(`http://127.0.0.1:${port}/admin`, { redirect: 'manual' });
    expect(admin.status).toBe(302);
    expect(admin.headers.get('Location')).toBe(`${api()}/admin`);
  });
});

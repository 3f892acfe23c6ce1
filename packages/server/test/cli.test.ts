import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../src/dev-credentials.js';
import { createTokenVerifier, signToken } from '../src/auth/jwt.js';
import { RawClient } from './support/raw-client.js';
import { CLI, Cli, cleanEnv, WAIT_MS, within } from './support/cli-process.js';

const SECRET = 'cli-test-secret-that-is-long-enough';

describe('dabba CLI', () => {
  const children: Cli[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    for (const cli of children.splice(0)) {
      if (cli.running) {
        cli.child.kill('SIGKILL');
        await within(cli.exited, WAIT_MS, 'killed child');
      }
    }
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Cli> {
    const dir = cwd ?? (await mkdtemp(join(tmpdir(), 'dabba-cli-')));
    if (!cwd) dirs.push(dir);
    const cli = new Cli(spawn(process.execPath, [CLI, ...args], { cwd: dir, env: cleanEnv(env), stdio: 'pipe' }));
    children.push(cli);
    return cli;
  }

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dabba-cli-'));
    dirs.push(dir);
    return dir;
  }

  describe('token', () => {
    it('prints a JWT with the given sub, role and lifetime, signed with DABBA_JWT_SECRET', async () => {
      const cli = await run(['token', '--sub', 'u1', '--role', 'driver', '--ttl', '15m'], { DABBA_JWT_SECRET: SECRET });
      expect(await cli.exit()).toEqual({ code: 0, signal: null });
      const jwt = cli.stdout.trim();
      expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const claims = await (await createTokenVerifier({ jwtSecret: SECRET }))(jwt);
      expect(claims).toMatchObject({ sub: 'u1', role: 'driver' });
      expect(claims.exp).toBeGreaterThan(Date.now() / 1000 + 900 - 10);
      expect(claims.exp).toBeLessThanOrEqual(Date.now() / 1000 + 900 + 1);
      const other = await createTokenVerifier({ jwtSecret: 'another-secret-entirely' });
      await expect(other(jwt)).rejects.toMatchObject({ code: 'unauthorized' });
    });

    it('takes --jwt-secret over the environment and defaults to a one-hour lifetime', async () => {
      const cli = await run(['token', '--sub', 'a1', '--role', 'admin', '--jwt-secret', SECRET], {
        DABBA_JWT_SECRET: 'not-this-one',
      });
      expect((await cli.exit()).code).toBe(0);
      const claims = await (await createTokenVerifier({ jwtSecret: SECRET }))(cli.stdout.trim());
      expect(claims).toMatchObject({ sub: 'a1', role: 'admin' });
      expect(Math.abs((claims.exp ?? 0) - (Date.now() / 1000 + 3600))).toBeLessThan(10);
    });

    it.each([
      [['--sub', 'u1', '--role', 'pilot'], /--role must be one of customer, chef, driver, support, admin/],
      [['--sub', 'u1'], /token needs --sub ID and --role ROLE/],
      [['--sub', 'u1', '--role', 'driver', '--ttl', 'soon'], /--ttl: expected a duration/],
      [['--sub', 'u1', '--role', 'driver', '--bogus'], /bogus/],
    ])('exits 2 with a message for %j', async (args, message) => {
      const cli = await run(['token', ...args], { DABBA_JWT_SECRET: SECRET });
      expect(await cli.exit()).toEqual({ code: 2, signal: null });
      expect(cli.stderr).toMatch(/^dabba: /);
      expect(cli.stderr).toMatch(message);
      expect(cli.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(cli.stdout).toBe('');
    });

    it('exits 2 without a secret when no dev credentials exist', async () => {
      const cli = await run(['token', '--sub', 'u1', '--role', 'driver']);
      expect((await cli.exit()).code).toBe(2);
      expect(cli.stderr).toMatch(/no secret: set DABBA_JWT_SECRET/);
    });
  });

  describe('serve', () => {
    it('exits 2 naming DABBA_JWT_SECRET when no key is configured', async () => {
      const cli = await run(['serve'], { PORT: '0', HOST: '127.0.0.1' });
      expect(await cli.exit()).toEqual({ code: 2, signal: null });
      expect(cli.stderr).toMatch(/^dabba: .*DABBA_JWT_SECRET/);
      expect(cli.stderr).toMatch(/--dev/);
    });

    it('exits 2 naming the variable for a bad setting', async () => {
      const cli = await run(['serve'], { PORT: 'eighty', DABBA_JWT_SECRET: SECRET });
      expect((await cli.exit()).code).toBe(2);
      expect(cli.stderr).toMatch(/PORT \/ --port: expected a non-negative integer, got "eighty"/);
    });

    it('with --dev keeps a generated secret and API key in ./data and prints demo tokens', async () => {
      const cwd = await tempDir();
      const cli = await run(['serve', '--dev'], { PORT: '0', HOST: '127.0.0.1' }, cwd);
      const url = await cli.listening();
      await cli.waitFor(() => (cli.stdout.includes('Publish: curl') ? true : undefined), 'dev banner');

      const path = join(cwd, 'data', 'dev-credentials.json');
      const credentials = JSON.parse(await readFile(path, 'utf8')) as { jwtSecret: string; apiKey: string };
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(cli.stdout).toContain(`Server API key (X-API-Key):      ${credentials.apiKey}`);
      expect(cli.stdout).toContain(`${url.replace('http', 'ws')}/connection/websocket`);

      const verify = await createTokenVerifier({ jwtSecret: credentials.jwtSecret });
      for (const user of DEMO_USERS) {
        const line = cli.stdout.split('\n').find((l) => l.trim().startsWith(`${user.role} `));
        const [role, sub, jwt] = (line ?? '').trim().split(/\s+/);
        expect([role, sub]).toEqual([user.role, user.sub]);
        expect(await verify(jwt ?? '')).toMatchObject({ sub: user.sub, role: user.role, name: user.name });
      }

      const info = await fetch(`${url}/api/info`, { method: 'POST', headers: { 'X-API-Key': credentials.apiKey } });
      expect(info.status).toBe(200);

      // `dabba token` in the same directory signs with the kept dev secret.
      const token = await run(['token', '--sub', 'c9', '--role', 'chef'], {}, cwd);
      expect((await token.exit()).code).toBe(0);
      expect(await verify(token.stdout.trim())).toMatchObject({ sub: 'c9', role: 'chef' });

      cli.child.kill('SIGTERM');
      expect(await cli.exit()).toEqual({ code: 0, signal: null });

      // A restart reuses the same credentials, so tokens printed before stay valid.
      const again = await run(['serve', '--dev'], { PORT: '0', HOST: '127.0.0.1' }, cwd);
      const againUrl = await again.listening();
      await again.waitFor(() => (again.stdout.includes('Publish: curl') ? true : undefined), 'dev banner');
      expect(again.stdout).toContain(credentials.apiKey);
      // `serve` installs its SIGTERM handler only after printing the banner (see the report): one
      // HTTP round trip after the banner guarantees the child has got there.
      expect((await fetch(`${againUrl}/health`)).status).toBe(200);
      again.child.kill('SIGTERM');
      expect((await again.exit()).code).toBe(0);
    });

    it('on SIGTERM closes live connections with 3001 (shutdown) and exits 0', async () => {
      const cli = await run(['serve'], { PORT: '0', HOST: '127.0.0.1', DABBA_JWT_SECRET: SECRET });
      const url = await cli.listening();
      const ready = await fetch(`${url}/ready`);
      expect(ready.status).toBe(200);

      const client = await RawClient.open(`${url.replace('http', 'ws')}/connection/websocket`);
      try {
        const reply = await client.connect(await signToken(SECRET, { sub: 'u1', role: 'customer' }));
        expect(reply.error).toBeUndefined();
        expect(reply.connect).toMatchObject({ subs: { 'user:u1': expect.any(Object) } });

        cli.child.kill('SIGTERM');
        expect(await within(client.closed, WAIT_MS, 'socket close')).toEqual({ code: 3001, reason: 'shutdown' });
        expect(await cli.exit()).toEqual({ code: 0, signal: null });
        expect(cli.logLine('shutting down')).toMatchObject({ signal: 'SIGTERM' });
      } finally {
        client.close();
      }
    });
  });
});

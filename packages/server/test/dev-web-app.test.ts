import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../src/dev-credentials.js';
import { DEMO_DROPOFF, DEMO_ITEMS, DEMO_KITCHEN, seedDemoData } from '../src/dev/seed.js';
import { startTestServer, type TestServer } from './support/fixture.js';

interface DemoUser {
  id: string;
  role: string;
  name: string;
  token: string | null;
}

let webAppDir: string;

beforeAll(async () => {
  webAppDir = await mkdtemp(join(tmpdir(), 'dabba-web-app-'));
  await mkdir(join(webAppDir, 'assets'));
  await writeFile(join(webAppDir, 'index.html'), '<!doctype html><title>demo</title><div id="root"></div>');
  await writeFile(join(webAppDir, 'assets', 'app-3f9a.js'), 'console.log("demo")');
});

afterAll(async () => {
  await rm(webAppDir, { recursive: true, force: true });
});

async function placeDemoOrder(t: TestServer, customerToken: string): Promise<string> {
  const placed = await t.rest('POST', '/orders', {
    as: customerToken,
    body: {
      storeId: DEMO_KITCHEN.id,
      items: DEMO_ITEMS,
      deliveryAddress: DEMO_DROPOFF.address,
      deliveryLatitude: DEMO_DROPOFF.latitude,
      deliveryLongitude: DEMO_DROPOFF.longitude,
      currency: 'INR',
    },
  });
  expect(placed.status).toBe(201);
  return placed.body.id as string;
}

describe('dev mode routes', () => {
  it('do not exist without dev mode', async () => {
    await using t = await startTestServer();
    await seedDemoData(t.server.domain);
    const customer = await t.token('customer-1', 'customer');
    const orderId = await placeDemoOrder(t, customer);

    const demo = await t.rest('GET', '/dev/demo');
    expect(demo.status).toBe(404);
    expect(demo.body.error?.code).toBe('not_found');
    const pay = await t.rest('POST', `/dev/orders/${orderId}/pay`, { as: customer });
    expect(pay.status).toBe(404);
    expect((await t.rest('GET', `/orders/${orderId}`, { as: customer })).body.status).toBe('pending');
  });

  it('GET /dev/demo hands out a working token for every demo user, and the demo kitchen and route', async () => {
    await using t = await startTestServer({ devMode: true });
    await seedDemoData(t.server.domain);
    const demo = await t.rest('GET', '/dev/demo');
    expect(demo.status).toBe(200);
    expect(demo.headers.get('cache-control')).toBe('no-store');
    const users = demo.body.users as DemoUser[];
    expect(users.map(({ id, role }) => ({ sub: id, role }))).toEqual(
      DEMO_USERS.map(({ sub, role }) => ({ sub, role })),
    );
    expect(demo.body.kitchen).toMatchObject({ id: DEMO_KITCHEN.id, latitude: DEMO_KITCHEN.latitude });
    expect(demo.body.dropoff).toMatchObject({ latitude: DEMO_DROPOFF.latitude });

    // Each token is accepted, and acts as its user.
    for (const user of users) {
      expect(user.token).toEqual(expect.any(String));
      const list = await t.rest('GET', '/notifications', { as: user.token as string });
      expect(list.status, user.id).toBe(200);
    }
    const customer = users.find((u) => u.id === 'customer-1')?.token as string;
    const orderId = await placeDemoOrder(t, customer);
    const order = await t.rest('GET', `/orders/${orderId}`, { as: customer });
    expect(order.body.customerId).toBe('customer-1');
  });

  it("POST /dev/orders/:id/pay confirms the payment for the order's customer only", async () => {
    await using t = await startTestServer({ devMode: true });
    await seedDemoData(t.server.domain);
    const customer = await t.token('customer-1', 'customer');
    const orderId = await placeDemoOrder(t, customer);

    const otherCustomer = await t.rest('POST', `/dev/orders/${orderId}/pay`, {
      as: await t.token('customer-2', 'customer'),
    });
    expect(otherCustomer.status).toBe(404);
    const chef = await t.rest('POST', `/dev/orders/${orderId}/pay`, { as: await t.token('chef-1', 'chef') });
    expect(chef.status).toBe(403);
    expect(chef.body.error?.code).toBe('forbidden');
    const anonymous = await t.rest('POST', `/dev/orders/${orderId}/pay`);
    expect(anonymous.status).toBe(401);

    const paid = await t.rest('POST', `/dev/orders/${orderId}/pay`, { as: customer });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ id: orderId, status: 'payment_confirmed' });
    const tracking = await t.rest('GET', `/orders/${orderId}/tracking`, { as: customer });
    const history = tracking.body.statusHistory as Array<{ status: string; changedBy?: string }>;
    expect(history.map((h) => h.status)).toEqual(['pending', 'payment_confirmed']);

    const again = await t.rest('POST', `/dev/orders/${orderId}/pay`, { as: customer });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('order_transition_invalid');
  });
});

describe('web app at /', () => {
  it("serves the build's index and files, and leaves Dabba's own routes and 404s alone", async () => {
    await using t = await startTestServer({ webAppDir });
    const index = await fetch(`${t.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<div id="root">');
    const withQuery = await fetch(`${t.url}/?as=chef-1`);
    expect(withQuery.status).toBe(200);

    const asset = await fetch(`${t.url}/assets/app-3f9a.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);

    expect(await (await fetch(`${t.url}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${t.url}/docs/json`)).status).toBe(200);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(200);
    const missing = await t.rest('GET', '/no-such-page');
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('not_found');
    const traversal = await fetch(`${t.url}/assets/..%2f..%2fetc%2fpasswd`);
    expect(traversal.status).toBe(404);
    const api = await t.api('info', {});
    expect(api.status).toBe(200);
  });

  it('is not served when the folder holds no build', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'dabba-no-build-'));
    try {
      await using t = await startTestServer({ webAppDir: empty });
      const index = await t.rest('GET', '/');
      expect(index.status).toBe(404);
      expect(index.body.error?.code).toBe('not_found');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("refuses a build with a file or folder named like one of Dabba's routes", async () => {
    const clashing = await mkdtemp(join(tmpdir(), 'dabba-clash-'));
    try {
      await writeFile(join(clashing, 'index.html'), '<!doctype html>');
      await mkdir(join(clashing, 'api'));
      await expect(startTestServer({ webAppDir: clashing })).rejects.toThrow(/api would shadow/);
    } finally {
      await rm(clashing, { recursive: true, force: true });
    }
  });
});

/** The built CLI and demo (`npm run build` runs before the tests). */
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const DEMO_BUILD = fileURLToPath(new URL('../../../apps/demo/dist', import.meta.url));

interface RunningCli {
  /** The first group of `pattern`: the server's URL. */
  url: string;
  stop(): Promise<void>;
}

/** Runs `dabba serve ARGS` in a scratch folder (its ./data) until `pattern` shows in its output. */
async function serve(args: string[], env: Record<string, string>, pattern: RegExp): Promise<RunningCli> {
  const cwd = await mkdtemp(join(tmpdir(), 'dabba-cli-web-'));
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('DABBA_') && !['PORT', 'HOST', 'LOG_LEVEL'].includes(key),
    ),
  );
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    cwd,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: 'pipe',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL');
    await exited;
    await rm(cwd, { recursive: true, force: true });
  };
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dabba serve printed no ${pattern}:\n${output}`)), 15_000);
      const read = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const found = pattern.exec(output);
        if (found?.[1]) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', () => reject(new Error(`dabba serve exited:\n${output}`)));
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe('dabba serve and the demo', () => {
  it('--dev serves the built demo at / and GET /dev/demo, and the banner says where', async () => {
    expect(existsSync(join(DEMO_BUILD, 'index.html')), 'the demo is built (npm run build)').toBe(true);
    const cli = await serve(['--dev'], { LOG_LEVEL: 'warn' }, /Demo web app: +(http:\/\/[\d.:]+)\//);
    try {
      const index = await fetch(`${cli.url}/`);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<div id="root">');
      const demo = await fetch(`${cli.url}/dev/demo`);
      expect(demo.status).toBe(200);
      expect(((await demo.json()) as { users: unknown[] }).users).toHaveLength(DEMO_USERS.length);
    } finally {
      await cli.stop();
    }
  });

  it('without --dev serves neither the demo nor /dev/demo', async () => {
    const cli = await serve(
      [],
      { DABBA_JWT_SECRET: 'a-secret-that-is-long-enough-for-hs256', LOG_LEVEL: 'info' },
      /"url":"(http:\/\/[\d.:]+)"/,
    );
    try {
      expect((await fetch(`${cli.url}/`)).status).toBe(404);
      expect((await fetch(`${cli.url}/dev/demo`)).status).toBe(404);
      expect((await fetch(`${cli.url}/health`)).status).toBe(200);
    } finally {
      await cli.stop();
    }
  });
});

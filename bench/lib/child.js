/**
 * Parent-side wrapper around a forked child: request/response over IPC with timeouts,
 * message subscriptions, and a registry so every child is killed when the parent exits.
 */
import { fork } from 'node:child_process';

const live = new Set();
let reqSeq = 0;

export class Child {
  constructor(name, modulePath, { args = [], execArgv = [], env } = {}) {
    this.name = name;
    this.pending = new Map();
    this.listeners = new Map();
    this.exited = false;
    this.exitInfo = null;
    this.proc = fork(modulePath, args, {
      execArgv,
      env: env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    live.add(this);
    this.proc.on('message', (m) => this.#onMessage(m));
    this.proc.on('error', (err) => this.#fail(new Error(`${name}: ${err.message}`)));
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = { code, signal };
      live.delete(this);
      this.#fail(new Error(`${name} exited (code ${code}, signal ${signal})`));
    });
  }

  get pid() {
    return this.proc.pid;
  }

  #onMessage(m) {
    if (m && m.type === 'res' && this.pending.has(m.rid)) {
      const p = this.pending.get(m.rid);
      this.pending.delete(m.rid);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.body);
      else p.reject(new Error(`${this.name}: ${m.error}`));
      return;
    }
    const fns = m && this.listeners.get(m.type);
    if (fns) for (const fn of [...fns]) fn(m);
  }

  #fail(err) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    const fns = this.listeners.get('__exit');
    if (fns) for (const fn of [...fns]) fn(err);
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type)?.delete(fn);
  }

  /** Resolve with the next message of `type`; reject on timeout or child exit. */
  waitFor(type, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.name} already exited`));
      const offMsg = this.on(type, (m) => done(null, m));
      const offExit = this.on('__exit', (err) => done(err));
      const timer = setTimeout(() => done(new Error(`${this.name}: timed out waiting for ${type}`)), timeoutMs);
      function done(err, m) {
        clearTimeout(timer);
        offMsg();
        offExit();
        if (err) reject(err);
        else resolve(m);
      }
    });
  }

  request(op, body = {}, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.name} already exited`));
      const rid = ++reqSeq;
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new Error(`${this.name}: request ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rid, { resolve, reject, timer });
      this.proc.send({ type: 'req', rid, op, body });
    });
  }

  send(msg) {
    if (!this.exited && this.proc.connected) this.proc.send(msg);
  }

  /** Ask politely (op `close`), then SIGKILL after graceMs. Always resolves. */
  async stop(graceMs = 5000) {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.request('close', {}, graceMs).catch(() => {});
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill() {
    if (!this.exited) {
      try {
        this.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export function killAll() {
  for (const c of live) c.kill();
}

/**
 * Parent-side process hygiene for a benchmark entry point: every child dies with the parent
 * (exit, signals, uncaught errors), and a watchdog aborts a run that outlives `budgetMs`.
 */
export function guardProcess(budgetMs) {
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\nbench: ${sig}, killing children`);
      killAll();
      process.exit(130);
    });
  }
  const fail = (what) => (err) => {
    console.error(`bench: ${what}`, err);
    killAll();
    process.exit(1);
  };
  process.on('uncaughtException', fail('uncaught'));
  process.on('unhandledRejection', fail('unhandled rejection'));
  setTimeout(() => {
    console.error(`bench: watchdog fired after ${Math.round(budgetMs / 1000)} s, aborting`);
    killAll();
    process.exit(1);
  }, budgetMs).unref();
}

/**
 * Child-side: answer `req` messages with handlers[op](body). Exits when the parent goes away,
 * so no child outlives the harness.
 */
export function serveRequests(handlers) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (!m || m.type !== 'req') return;
    const h = handlers[m.op];
    if (!h) {
      process.send?.({ type: 'res', rid: m.rid, ok: false, error: `unknown op ${m.op}` });
      return;
    }
    try {
      const body = await h(m.body ?? {});
      process.send?.({ type: 'res', rid: m.rid, ok: true, body });
    } catch (err) {
      process.send?.({ type: 'res', rid: m.rid, ok: false, error: err?.stack ?? String(err) });
    }
  });
}

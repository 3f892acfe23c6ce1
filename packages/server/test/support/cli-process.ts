import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build` runs before the tests). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const WAIT_MS = 10_000;

/** A spawned `dabba` process whose output is collected and whose events can be awaited with a bound. */
export class Cli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private wake: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.append('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.append('stderr', chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `check` returns a value, re-checked on every output chunk. */
  async waitFor<T>(check: () => T | undefined, what: string, timeoutMs = WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() >= deadline || !this.running) {
        throw new Error(
          `${what}: not seen (running=${this.running})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The exit, or a failure after `timeoutMs`. */
  async exit(timeoutMs = WAIT_MS): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return within(this.exited, timeoutMs, `exit of dabba\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
  }

  /** The JSON log line with this message. */
  logLine(msg: string): Record<string, unknown> | undefined {
    for (const line of this.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.msg === msg) return parsed;
    }
    return undefined;
  }

  /** Resolves with the server's URL from its 'dabba listening' log line. */
  async listening(): Promise<string> {
    const line = await this.waitFor(() => this.logLine('dabba listening'), "'dabba listening'");
    return line.url as string;
  }

  private append(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this[stream] += chunk.toString('utf8');
    const wake = this.wake;
    this.wake = [];
    for (const fn of wake) fn();
  }
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The parent's environment without any Dabba setting, so only what a test sets applies. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('DABBA_') && !['PORT', 'HOST', 'LOG_LEVEL'].includes(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Role } from '@dabba/protocol';

/** Where `dabba serve --dev` keeps the secret and API key it generated, so tokens survive restarts. */
export const DEV_CREDENTIALS_PATH = './data/dev-credentials.json';

export interface DevCredentials {
  jwtSecret: string;
  apiKey: string;
}

/** The demo users `--dev` seeds and prints tokens for. */
export const DEMO_USERS: ReadonlyArray<{ sub: string; role: Role; name: string; phone?: string }> = [
  { sub: 'customer-1', role: 'customer', name: 'Asha (customer)', phone: '+91 98200 00001' },
  { sub: 'chef-1', role: 'chef', name: 'Ravi (kitchen)', phone: '+91 98200 00002' },
  { sub: 'driver-1', role: 'driver', name: 'Meera (driver)', phone: '+91 98200 00003' },
  { sub: 'support-1', role: 'support', name: 'Sam (support)' },
  { sub: 'admin-1', role: 'admin', name: 'Admin' },
];

/** Reads the dev credentials, creating them (mode 0600) on first use. */
export async function loadDevCredentials(path = DEV_CREDENTIALS_PATH): Promise<DevCredentials> {
  const existing = await readDevCredentials(path);
  if (existing) return existing;
  const created = { jwtSecret: randomBytes(32).toString('base64url'), apiKey: randomBytes(24).toString('base64url') };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(created, null, 2), { mode: 0o600 });
  return created;
}

export async function readDevCredentials(path = DEV_CREDENTIALS_PATH): Promise<DevCredentials | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<DevCredentials>;
    if (typeof parsed.jwtSecret === 'string' && typeof parsed.apiKey === 'string') {
      return { jwtSecret: parsed.jwtSecret, apiKey: parsed.apiKey };
    }
  } catch {
    // Missing or unreadable: the caller creates a new pair.
  }
  return undefined;
}

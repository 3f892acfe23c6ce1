import { existsSync, readdirSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * First path segments a web app's files may not take: the routes and faces Dabba serves itself.
 * A build holding one of these names is refused rather than allowed to shadow the route.
 */
export const RESERVED_PATH_SEGMENTS: readonly string[] = [
  'api',
  'connection',
  'socket.io',
  'realtime',
  'notifications',
  'docs',
  'metrics',
  'health',
  'ready',
  'dev',
  'orders',
  'drivers',
  'stores',
  'products',
  'cart',
  'conversations',
  'support',
  'feed',
  'leaderboard',
  'devices',
  'users',
  'emulation',
];

/** How long browsers may cache a hashed asset (Vite's `assets/name-HASH.js`), seconds: a year. */
const HASHED_ASSET_MAX_AGE_SECONDS = 365 * 24 * 3600;

/** True when `dir` holds a built web app (an `index.html`). */
export function isWebAppBuild(dir: string | undefined): dir is string {
  return dir !== undefined && existsSync(join(dir, 'index.html'));
}

/**
 * The build folder to serve: `dir` resolved when it holds an `index.html`, else undefined.
 * Throws when a top-level file or folder is named like one of Dabba's routes (it would shadow it);
 * the server checks this before it opens anything.
 */
export function checkWebAppBuild(dir: string | undefined): string | undefined {
  if (!isWebAppBuild(dir)) return undefined;
  const root = resolve(dir);
  const clashes = readdirSync(root).filter((name) => RESERVED_PATH_SEGMENTS.includes(name.toLowerCase()));
  if (clashes.length > 0)
    throw new Error(`web app ${root}: ${clashes.join(', ')} would shadow Dabba's own routes; rename them`);
  return root;
}

/**
 * Serves a built single-page app (e.g. `apps/demo/dist`) at `/`: `GET /` is its `index.html`,
 * and each file of the build is served at its own path. Only the files present when the server
 * starts get a route (no wildcard), so every other path — Dabba's routes, its 404s — is untouched;
 * a file or folder named like one of Dabba's routes is refused at start. `index.html` is always
 * revalidated; files under `assets/` (hashed names) are cached for a year.
 * Does nothing when `dir` holds no `index.html`.
 */
export async function registerWebApp(app: FastifyInstance, dir: string | undefined): Promise<boolean> {
  const root = checkWebAppBuild(dir);
  if (root === undefined) return false;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    decorateReply: false,
    cacheControl: false,
    setHeaders: (response, path) => {
      const hashed = path.startsWith(join(root, 'assets') + sep);
      void response.header(
        'cache-control',
        hashed ? `public, max-age=${HASHED_ASSET_MAX_AGE_SECONDS}, immutable` : 'no-cache',
      );
    },
  });
  return true;
}

import { signToken } from '../auth/jwt.js';
import { DEMO_USERS } from '../dev-credentials.js';
import type { Order } from '../domain/orders/order.js';
import type { Kitchen } from '../domain/stores/store-service.js';
import { VERSION } from '../version.js';

/** How long the tokens `--dev` prints stay valid, seconds. */
export const DEMO_TOKEN_TTL_SECONDS = 24 * 3600;

export interface BannerContext {
  url: string;
  /** Signs the demo tokens; without it (a public key or JWKS configured) none are printed. */
  jwtSecret?: string | undefined;
  apiKey?: string | undefined;
  /** The demo web app is served at `/`: the banner points there (false: says how to build it). */
  webApp?: boolean | undefined;
}

/** A demo user's token, or a placeholder when Dabba does not hold the signing key. */
export async function demoToken(context: BannerContext, sub: string): Promise<string> {
  const user = DEMO_USERS.find((u) => u.sub === sub);
  if (!context.jwtSecret || !user) return `<token for ${sub}>`;
  return signToken(context.jwtSecret, user, { ttlSeconds: DEMO_TOKEN_TTL_SECONDS, name: user.name });
}

/** What `dabba serve --dev` prints once it is up: where to connect, the demo kitchen, a token per demo user. */
export async function devBanner(context: BannerContext, kitchen: Kitchen, simulating: boolean): Promise<string> {
  const { url, apiKey } = context;
  const lines = [
    `\nDabba ${VERSION} (dev) at ${url}`,
    `  WebSocket (Centrifugo protocol): ${url.replace('http', 'ws')}/connection/websocket`,
  ];
  if (context.webApp !== undefined)
    lines.push(
      context.webApp
        ? `  Demo web app:                    ${url}/  (customer, kitchen, driver, support)`
        : '  Demo web app:                    not built yet (npm run build, then restart)',
    );
  if (apiKey) lines.push(`  Server API key (X-API-Key):      ${apiKey}`);
  lines.push(`  Demo kitchen:                    ${kitchen.id} (${kitchen.name}, chef ${kitchen.chefId})`);
  if (context.jwtSecret) {
    lines.push(`  Tokens for the demo users (${DEMO_TOKEN_TTL_SECONDS / 3600} h):`);
    for (const user of DEMO_USERS) {
      lines.push(`    ${user.role.padEnd(9)} ${user.sub.padEnd(11)} ${await demoToken(context, user.sub)}`);
    }
  }
  lines.push(
    `  Publish: curl -s -X POST ${url}/api/publish -H 'X-API-Key: ${apiKey ?? '<key>'}' -d '{"channel":"user:customer-1","data":{"hello":"world"}}'`,
    simulating
      ? '  Simulating orders: customer-1 orders from the demo kitchen, driver-1 delivers (details below).'
      : '  Watch a simulated order: npm start -- --simulate   (dabba serve --dev --simulate)',
    `  Lifecycle, events and routes: docs/orders.md\n`,
  );
  return lines.join('\n') + '\n';
}

/** Printed for each simulated order: how to follow it. */
export async function watchHint(context: BannerContext, order: Order): Promise<string> {
  const token = await demoToken(context, order.customerId);
  return [
    `Simulated order ${order.orderNumber} placed by ${order.customerId}. Watch it:`,
    `  curl -s ${context.url}/orders/${order.id}/tracking -H 'Authorization: Bearer ${token}'`,
    `  Channels: order:${order.id} (status, ETA, driver), tracking:${order.id} (driver location), user:${order.customerId} (notifications)`,
    '',
  ].join('\n');
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eventCatalog } from '@dabba/protocol';
import { asyncApiDocument, messageKey } from '../src/asyncapi/document.js';
import { CHANNEL_DOCS } from '../src/asyncapi/channels.js';
import { asyncApiYaml } from '../src/asyncapi/route.js';
import { startTestServer, type TestServer } from './support/fixture.js';

const committed = fileURLToPath(new URL('../../../docs/asyncapi.yaml', import.meta.url));

describe('AsyncAPI document', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('docs/asyncapi.yaml is what the catalog generates now (run `npm run asyncapi` when this fails)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(asyncApiYaml());
  });

  it('is YAML that parses back to the document, AsyncAPI 3, with every catalog event on a channel', () => {
    const document = asyncApiDocument();
    const parsed = parse(asyncApiYaml()) as typeof document;
    expect(parsed).toEqual(document);
    expect(parsed.asyncapi).toBe('3.0.0');
    const messages = parsed.components as { messages: Record<string, { payload: unknown }> };
    for (const event of Object.keys(eventCatalog)) {
      expect(messages.messages[messageKey(event)]?.payload, event).toBeDefined();
      expect(
        Object.values(CHANNEL_DOCS).some((doc) => (doc.events as readonly string[]).includes(event)),
        `${event} is on no channel`,
      ).toBe(true);
    }
    // Every $ref points somewhere.
    const text = JSON.stringify(parsed);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      let node: unknown = parsed;
      for (const part of (ref as string).split('/')) node = (node as Record<string, unknown>)[part];
      expect(node, ref).toBeDefined();
    }
  });

  it('names each event as every face does', () => {
    const messages = (asyncApiDocument().components as { messages: Record<string, Record<string, unknown>> }).messages;
    expect(messages['order.status_update']?.['x-dabba-faces']).toEqual({
      native: { publicationTagsType: 'order:status_update' },
      socketio: { '/realtime': 'order:status_update', '/notifications': 'orderStatusUpdate' },
      plainWs: { 'order:{orderId}': 'order_updated' },
      sse: { '/api/events': 'order:status_update', '/api/notifications/orders/:id/status': 'message' },
    });
    expect(messages['store.availability_changed']?.['x-dabba-faces']).toMatchObject({
      plainWs: { catalog: 'store_availability_changed' },
    });
    expect(messages['product.stock_update']?.['x-dabba-faces']).toMatchObject({
      plainWs: { 'store:{storeId}': 'product_updated' },
    });
  });

  it('is served at GET /asyncapi.yaml', async () => {
    t = await startTestServer();
    const response = await fetch(`${t.url}/asyncapi.yaml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(await response.text()).toBe(readFileSync(committed, 'utf8'));
  });
});

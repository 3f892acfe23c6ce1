import { afterEach, describe, expect, it } from 'vitest';
import type { EventData } from '@dabba/protocol';
import { startTestServer, type TestServer } from './support/fixture.js';
import { commerceWorld, expectStatus, Inbox } from './support/commerce-world.js';
import { createTestDatabase } from './support/test-database.js';
import { waitUntil } from './support/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serverOn(databaseUrl?: string): Promise<TestServer> {
  const t = await startTestServer({ databaseUrl, logLevel: 'warn' });
  cleanup.push(() => t.close());
  return t;
}

const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** The `store:flash_sale` envelopes a channel's history holds, oldest first. */
async function announcedSales(t: TestServer, channel: string): Promise<Array<EventData<'store:flash_sale'>>> {
  const reply = await t.api('history', { channel, limit: -1 });
  const publications = (reply.body.result?.publications ?? []) as Array<{ data: unknown; tags?: { type?: string } }>;
  return publications
    .filter((p) => p.tags?.type === 'store:flash_sale')
    .map((p) => p.data as EventData<'store:flash_sale'>);
}

describe('flash sales', () => {
  it('are announced as started and ended at their times, once each, with the price they bring', async () => {
    const t = await serverOn();
    const w = await commerceWorld(t);
    await w.addProduct({ id: 'biryani', name: 'Biryani', priceMinor: 20000 });
    const shopper = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    await shopper.follow(`store:${w.storeId}`);
    await shopper.follow('catalog');

    const startsAt = inMs(400);
    const endsAt = inMs(1400);
    const scheduled = await t.rest('POST', '/products/biryani/flash-sale', {
      as: w.tokens.chef,
      body: { startsAt, endsAt, discountPercent: 25 },
    });
    expectStatus(scheduled, 201, 'flash sale');
    expect(scheduled.body).toMatchObject({
      effectivePriceMinor: 20000,
      flashSale: { discountPercent: 25, active: false },
    });

    const started = await shopper.waitFor('store:flash_sale', (d) => d.phase === 'started', `store:${w.storeId}`);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(startsAt));
    expect(started).toMatchObject({
      productId: 'biryani',
      reason: 'scheduled',
      sale: { active: true, discountPercent: 25 },
      product: { effectivePriceMinor: 15000 },
    });
    const cheaper = await shopper.waitFor('product:price_update', (d) => d.effectivePriceMinor === 15000, 'catalog');
    expect(cheaper).toMatchObject({ previousEffectivePriceMinor: 20000, priceMinor: 20000 });
    // While it runs, orders are priced at the sale price.
    const item = { productId: 'biryani', name: 'Biryani', quantity: 1 };
    const atSale = await t.rest('POST', '/orders', {
      as: w.tokens.customer,
      body: w.orderBody([{ ...item, unitPriceMinor: 15000 }]),
    });
    expectStatus(atSale, 201, 'order at the sale price');

    const ended = await shopper.waitFor('store:flash_sale', (d) => d.phase === 'ended', `store:${w.storeId}`, 5000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(endsAt));
    expect(ended).toMatchObject({
      reason: 'scheduled',
      sale: { active: false },
      product: { effectivePriceMinor: 20000 },
    });
    await shopper.waitFor('product:price_update', (d) => d.effectivePriceMinor === 20000, 'catalog');
    const late = await t.rest('POST', '/orders', {
      as: w.tokens.customer,
      body: w.orderBody([{ ...item, unitPriceMinor: 15000 }]),
    });
    expect(late.body.error?.code).toBe('price_changed');
    for (const channel of [`store:${w.storeId}`, 'catalog']) {
      expect(shopper.of('store:flash_sale', channel).map((d) => d.phase)).toEqual(['started', 'ended']);
    }
    expect((await w.product('biryani')).flashSale).toBeNull();
  });

  it('cancelling a running sale announces its end; one not started yet ends silently; one sale at a time', async () => {
    const t = await serverOn();
    const w = await commerceWorld(t);
    await w.addProduct({ id: 'biryani', name: 'Biryani', priceMinor: 20000 });
    await w.addProduct({ id: 'kulfi', name: 'Kulfi', priceMinor: 6000 });
    const shopper = await new Inbox(t.centrifuge({ token: w.tokens.customer })).connect();
    await shopper.follow(`store:${w.storeId}`);

    const sale = { startsAt: inMs(0), endsAt: inMs(60_000), salePriceMinor: 16000 };
    expectStatus(await t.rest('POST', '/products/biryani/flash-sale', { as: w.tokens.chef, body: sale }), 201, 'sale');
    await shopper.waitFor('store:flash_sale', (d) => d.phase === 'started');
    const second = await t.rest('POST', '/products/biryani/flash-sale', { as: w.tokens.chef, body: sale });
    expect(second.body.error?.code).toBe('conflict');

    const cancelled = await t.rest('DELETE', '/products/biryani/flash-sale', { as: w.tokens.chef });
    expect(cancelled.body).toMatchObject({ effectivePriceMinor: 20000, flashSale: null });
    const ended = await shopper.waitFor('store:flash_sale', (d) => d.phase === 'ended');
    expect(ended).toMatchObject({ reason: 'cancelled', productId: 'biryani' });
    await shopper.waitFor('product:price_update', (d) => d.productId === 'biryani' && d.effectivePriceMinor === 20000);

    const later = { startsAt: inMs(60_000), endsAt: inMs(120_000), discountPercent: 10 };
    expectStatus(
      await t.rest('POST', '/products/kulfi/flash-sale', { as: w.tokens.chef, body: later }),
      201,
      'later sale',
    );
    expectStatus(await t.rest('DELETE', '/products/kulfi/flash-sale', { as: 'api' }), 200, 'cancel later sale');
    await shopper.waitFor('product:updated', (d) => d.productId === 'kulfi' && d.product.flashSale === null);
    expect(shopper.of('store:flash_sale').filter((d) => d.productId === 'kulfi')).toEqual([]);

    const invalid = [
      { ...later, salePriceMinor: 100 },
      { startsAt: inMs(1000), endsAt: inMs(500), discountPercent: 10 },
      { startsAt: inMs(-2000), endsAt: inMs(-1000), discountPercent: 10 },
      { startsAt: inMs(0), endsAt: inMs(1000), salePriceMinor: 7000 },
      { startsAt: inMs(0), endsAt: inMs(8 * 24 * 3_600_000), discountPercent: 10 },
    ];
    for (const body of invalid) {
      expect((await t.rest('POST', '/products/kulfi/flash-sale', { as: w.tokens.chef, body })).status).toBe(400);
    }
  });

  it('a start that came due while the server was down is announced once at the next start; the end on time', async () => {
    const database = await createTestDatabase({ persistent: true });
    cleanup.push(() => database.drop());
    const first = await serverOn(database.url);
    const w = await commerceWorld(first);
    await w.addProduct({ id: 'biryani', name: 'Biryani', priceMinor: 20000 });
    const startsAt = inMs(1500);
    const endsAt = inMs(3500);
    const body = { startsAt, endsAt, discountPercent: 50 };
    expectStatus(await first.rest('POST', '/products/biryani/flash-sale', { as: w.tokens.chef, body }), 201, 'sale');
    await first.close();
    // Stopped before the start (else this test proves nothing), and down past it.
    expect(Date.now()).toBeLessThan(Date.parse(startsAt));
    await waitUntil(() => Date.now() > Date.parse(startsAt) + 100);

    const second = await serverOn(database.url);
    const channel = `store:${w.storeId}`;
    const replayed = await announcedSales(second, channel);
    expect(replayed.map((d) => d.phase)).toEqual(['started']);
    expect(replayed[0]).toMatchObject({ productId: 'biryani', product: { effectivePriceMinor: 10000 } });
    const shopper = await new Inbox(second.centrifuge({ token: w.tokens.customer })).connect();
    await shopper.follow(channel);
    await shopper.waitFor('store:flash_sale', (d) => d.phase === 'ended', channel, 5000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(endsAt));
    expect((await announcedSales(second, channel)).map((d) => d.phase)).toEqual(['started', 'ended']);
    await second.close();

    // Announced is announced: a third start repeats neither.
    const third = await serverOn(database.url);
    expect(await announcedSales(third, channel)).toEqual([]);
    expect(await announcedSales(third, 'catalog')).toEqual([]);
  });
});

/**
 * Builds the benchmark's world through the REST API, as an app's backend and its users would:
 * kitchens, then per driver one order walked to an active state (assigned while cooking, or
 * picked up). Runs in the orchestrator, before anything is measured.
 */
import { API_KEY, kitchenAt, orderLayout, token } from './common.js';

// Node's built-in fetch (the lint config lists only the globals the older bench scripts use).
const { fetch, AbortSignal } = globalThis;

async function call(url, method, path, { as, body } = {}) {
  const headers = as === 'api' ? { 'X-API-Key': API_KEY } : { Authorization: `Bearer ${as}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` in flight. */
async function pool(count, concurrency, work) {
  let next = 0;
  const lane = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/**
 * Returns, per driver i: its id, token, order id, leg, and the two watchers of its order (the
 * customer and a support agent) with their tokens.
 */
export async function buildWorld({ url, drivers, kitchens, concurrency = 16, onProgress = () => {} }) {
  const chefTokens = [];
  for (let k = 0; k < kitchens; k++) {
    const { latitude, longitude } = kitchenAt(k, kitchens);
    await call(url, 'POST', '/stores', {
      as: 'api',
      body: {
        id: `k-${k}`,
        chefId: `chef-${k}`,
        name: `Kitchen ${k}`,
        address: `${k} Bench Road`,
        latitude,
        longitude,
        prepMinutes: 15,
      },
    });
    // Orders take their items from the kitchen's menu (untracked stock: the bench never runs out).
    await call(url, 'POST', `/stores/k-${k}/products`, {
      as: 'api',
      body: { id: `thali-${k}`, name: 'Veg thali', priceMinor: 18000 },
    });
    chefTokens.push(token(`chef-${k}`, 'chef'));
  }
  const world = new Array(drivers);
  let done = 0;
  await pool(drivers, concurrency, async (i) => {
    const layout = orderLayout(i, kitchens);
    const driverId = `drv-${i}`;
    const driverToken = token(driverId, 'driver');
    const chef = chefTokens[layout.kitchen];
    const order = await call(url, 'POST', '/orders', {
      as: 'api',
      body: {
        storeId: `k-${layout.kitchen}`,
        customerId: `cust-${i}`,
        items: [{ productId: `thali-${layout.kitchen}`, name: 'Veg thali', quantity: 1, unitPriceMinor: 18000 }],
        deliveryAddress: `${i} Bench Lane`,
        deliveryLatitude: layout.customer.latitude,
        deliveryLongitude: layout.customer.longitude,
      },
    });
    const status = (status, as) => call(url, 'POST', `/orders/${order.id}/status`, { as, body: { status } });
    await status('payment_confirmed', 'api');
    await status('accepted', chef);
    await call(url, 'POST', `/orders/${order.id}/assign`, { as: 'api', body: { driverId } });
    if (layout.pickedUp) {
      await status('ready_for_pickup', chef);
      await status('picked_up', driverToken);
    }
    world[i] = {
      driverId,
      token: driverToken,
      orderId: order.id,
      leg: layout.leg,
      watchers: [
        { token: token(`cust-${i}`, 'customer'), channel: `tracking:${order.id}` },
        { token: token(`sup-${i}`, 'support'), channel: `tracking:${order.id}` },
      ],
    };
    if (++done % 250 === 0) onProgress(done);
  });
  return world;
}

import { DEMO_USERS } from '../dev-credentials.js';
import type { CreateProductInput } from '../domain/catalog/product.js';
import type { Domain } from '../domain/domain.js';
import { SYSTEM } from '../domain/orders/order.js';
import type { Kitchen } from '../domain/stores/store-service.js';
import type { GeoPoint } from './route.js';
import type { SimulationPlan } from './simulator.js';

/** The demo kitchen `--dev` seeds: chef-1's, on Hill Road in Bandra West, Mumbai. */
export const DEMO_KITCHEN = {
  id: 'kitchen-1',
  chefId: 'chef-1',
  name: "Ravi's Dabba Kitchen",
  address: 'Shop 4, Hill Road, Bandra West, Mumbai 400050',
  latitude: 19.0553,
  longitude: 72.8337,
  prepMinutes: 20,
} as const;

/** Where the simulated orders go: customer-1's flat in Khar West, about 1.5 km north by road. */
export const DEMO_DROPOFF = {
  address: 'Flat 12, Sea Breeze, 16th Road, Khar West, Mumbai 400052',
  latitude: 19.069,
  longitude: 72.834,
} as const;

/** A corner on Linking Road the simulated driver turns at between the kitchen and the customer. */
export const DEMO_ROUTE_VIA: readonly GeoPoint[] = [{ latitude: 19.062, longitude: 72.835 }];

/** Where driver-1 waits for the first order: Hill Road near Bandra station, about 400 m from the kitchen. */
export const DEMO_DRIVER_START: GeoPoint = { latitude: 19.0547, longitude: 72.8375 };

/**
 * The demo kitchen's menu, prices in paise. Most dishes are cooked to order (stock untracked);
 * the dessert comes in a daily batch, so its stock is tracked.
 */
export const DEMO_MENU: ReadonlyArray<CreateProductInput & { id: string }> = [
  { id: 'veg-thali', name: 'Veg thali', description: 'Dal, two sabzis, rice, three rotis, salad', priceMinor: 18_000 },
  {
    id: 'paneer-thali',
    name: 'Paneer thali',
    description: 'Paneer butter masala, dal, rice, rotis',
    priceMinor: 22_000,
  },
  { id: 'masala-dosa', name: 'Masala dosa', description: 'With sambar and coconut chutney', priceMinor: 12_000 },
  { id: 'pav-bhaji', name: 'Pav bhaji', description: 'Two buttered pavs', priceMinor: 11_000 },
  { id: 'masala-chaas', name: 'Masala chaas', description: 'Spiced buttermilk, 300 ml', priceMinor: 4_000 },
  { id: 'gulab-jamun', name: 'Gulab jamun (2)', description: "Today's batch", priceMinor: 6_000, stock: 40 },
].map((item) => ({ currency: 'INR', available: true, stock: null, ...item }));

/** What the simulated customer orders: dishes of the demo menu, at its prices. */
export const DEMO_ITEMS = [
  { productId: 'veg-thali', name: 'Veg thali', quantity: 1, unitPriceMinor: 18_000 },
  { productId: 'masala-chaas', name: 'Masala chaas', quantity: 2, unitPriceMinor: 4_000 },
] as const;

/** Delivery fee of a simulated order, paise. */
export const DEMO_DELIVERY_FEE_MINOR = 3_000;

/**
 * Creates (or restores) the demo users, kitchen and menu. Idempotent: every dev start runs it,
 * and a second run changes nothing but `updated_at`. A kitchen or dish edited since is put back
 * as seeded (stock is left as it is: orders have taken from it).
 */
export async function seedDemoData(domain: Pick<Domain, 'users' | 'stores' | 'commerce'>): Promise<Kitchen> {
  for (const user of DEMO_USERS) {
    await domain.users.upsert({ id: user.sub, role: user.role, name: user.name, phone: user.phone ?? null });
  }
  const kitchen = await seedKitchen(domain);
  const { catalog } = domain.commerce;
  for (const { id, stock, ...dish } of DEMO_MENU) {
    const existing = await catalog.get(id).catch(() => undefined);
    if (!existing) await catalog.create(SYSTEM, kitchen.id, { id, stock, ...dish });
    else if (existing.storeId !== kitchen.id) throw new Error(`product ${id} belongs to store ${existing.storeId}`);
    else await catalog.update(SYSTEM, id, dish);
  }
  return kitchen;
}

async function seedKitchen(domain: Pick<Domain, 'stores'>): Promise<Kitchen> {
  const { id, chefId, ...details } = DEMO_KITCHEN;
  const existing = await domain.stores.find(id);
  if (!existing) return domain.stores.create(SYSTEM, { id, chefId, ...details, isActive: true });
  if (existing.chefId !== chefId) {
    throw new Error(
      `store ${id} exists with chef ${existing.chefId}, not ${chefId}: use a fresh database for dev mode`,
    );
  }
  return domain.stores.update(SYSTEM, id, { ...details, isActive: true });
}

/** The simulation of `--simulate`: customer-1 orders from the demo kitchen, driver-1 delivers. */
export function demoPlan(kitchen: Kitchen): SimulationPlan {
  return {
    customer: { id: 'customer-1', role: 'customer' },
    chef: { id: kitchen.chefId, role: 'chef' },
    driver: { id: 'driver-1', role: 'driver' },
    kitchen: { id: kitchen.id, latitude: kitchen.latitude, longitude: kitchen.longitude },
    dropoff: DEMO_DROPOFF,
    via: DEMO_ROUTE_VIA,
    driverStart: DEMO_DRIVER_START,
    items: DEMO_ITEMS.map((item) => ({ ...item })),
    deliveryFeeMinor: DEMO_DELIVERY_FEE_MINOR,
  };
}

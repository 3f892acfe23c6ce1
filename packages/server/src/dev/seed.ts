import { DEMO_USERS } from '../dev-credentials.js';
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

/** What the simulated customer orders. Prices in paise. */
export const DEMO_ITEMS = [
  { productId: 'veg-thali', name: 'Veg thali', quantity: 1, unitPriceMinor: 18_000 },
  { productId: 'masala-chaas', name: 'Masala chaas', quantity: 2, unitPriceMinor: 4_000 },
] as const;

/** Delivery fee of a simulated order, paise. */
export const DEMO_DELIVERY_FEE_MINOR = 3_000;

/**
 * Creates (or restores) the demo users and kitchen. Idempotent: every dev start runs it, and a
 * second run changes nothing but `updated_at`. A kitchen edited since is put back as seeded.
 */
export async function seedDemoData(domain: Pick<Domain, 'users' | 'stores'>): Promise<Kitchen> {
  for (const user of DEMO_USERS) {
    await domain.users.upsert({ id: user.sub, role: user.role, name: user.name, phone: user.phone ?? null });
  }
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

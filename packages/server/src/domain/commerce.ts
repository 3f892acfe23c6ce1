import type { Kysely } from 'kysely';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '../logger.js';
import type { Database } from '../store/schema.js';
import { registerCartRpc } from './carts/cart-rpc.js';
import { CartService } from './carts/cart-service.js';
import { takeOrderStock } from './carts/order-stock.js';
import { registerCatalogRpc } from './catalog/catalog-rpc.js';
import { CatalogService } from './catalog/catalog-service.js';
import { registerStoreChannels } from './catalog/channel-rules.js';
import { FlashSaleTimer } from './catalog/flash-sale-timer.js';
import type { OrderService } from './orders/order-service.js';
import type { Outbox } from './outbox.js';
import type { StoreService } from './stores/store-service.js';
import { leasedTimer } from './leased-timer.js';

/** Options of the live catalog and carts. */
export interface CommerceOptions {
  /** How long `POST /cart/checkout` holds stock, ms. Default 10 min. */
  cartReservationTtlMs?: number;
  /** How often expired reservations are looked for and released, ms. Default 5 s (or a quarter of the TTL, if shorter). */
  cartReservationSweepIntervalMs?: number;
  /** Longest the flash-sale timer sleeps between looks, ms (it wakes earlier when a sale is due). Default 60 s. */
  flashSaleMaxWaitMs?: number;
}

export const DEFAULT_COMMERCE_OPTIONS = {
  cartReservationTtlMs: 10 * 60_000,
  cartReservationSweepIntervalMs: 5_000,
  flashSaleMaxWaitMs: 60_000,
} as const;

export interface Commerce {
  readonly catalog: CatalogService;
  readonly carts: CartService;
  /** Stops the timers; resolves once sweeps under way are done. */
  close(): Promise<void>;
}

interface Deps {
  db: Kysely<Database>;
  hub: Hub;
  outbox: Outbox;
  stores: StoreService;
  orders: OrderService;
  logger: Logger;
}

/**
 * Wires the catalog and carts: the `store` namespace, stock taken by every order placed, cart
 * rpc methods, and the two timers (flash sales, reservation expiry). Both timers sweep once
 * before this resolves, so what came due while the server was down is announced at start.
 */
export async function createCommerce(deps: Deps, options: CommerceOptions = {}): Promise<Commerce> {
  const { db, hub, outbox, stores, orders, logger } = deps;
  const ttlMs = options.cartReservationTtlMs ?? DEFAULT_COMMERCE_OPTIONS.cartReservationTtlMs;
  const sweepMs = Math.min(
    options.cartReservationSweepIntervalMs ?? DEFAULT_COMMERCE_OPTIONS.cartReservationSweepIntervalMs,
    Math.max(20, ttlMs / 4),
  );
  if (!(ttlMs > 0)) throw new TypeError('cartReservationTtlMs must be a positive number of ms');

  const flashSales = new FlashSaleTimer(
    db,
    outbox,
    logger,
    options.flashSaleMaxWaitMs ?? DEFAULT_COMMERCE_OPTIONS.flashSaleMaxWaitMs,
  );
  const catalog = new CatalogService({ db, outbox, stores, onSalesChanged: () => void flashSales.poke() });
  const carts = new CartService({ db, outbox, orders, logger, reservationTtlMs: ttlMs });
  registerStoreChannels(hub);
  orders.onCreated(takeOrderStock);
  registerCartRpc(hub, carts);
  registerCatalogRpc(hub, catalog);

  let expiring: Promise<unknown> | undefined;
  const expire = (): Promise<unknown> =>
    (expiring ??= carts
      .expireDue()
      .then((count) => count > 0 && logger.info({ count }, 'released expired cart reservations'))
      .catch((error: unknown) => logger.error({ err: error }, 'cart reservation sweep failed'))
      .finally(() => (expiring = undefined)));
  await Promise.all([flashSales.start(), expire()]);
  // Several nodes: the lease holder sweeps; each release is a conditional update besides, so a
  // reservation is released (and announced) once even if two sweeps overlap at a handover.
  const reservationTimer = leasedTimer(
    hub.engine,
    'cart-reservations',
    sweepMs,
    async () => void (await expire()),
    logger,
  );

  return {
    catalog,
    carts,
    async close() {
      await Promise.all([reservationTimer.stop(), flashSales.close(), expiring]);
    },
  };
}

import type { Hub } from '../hub/hub.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/database.js';
import { createChat, type ChatOptions, type ChatService } from './chat/chat.js';
import { createCommerce, type Commerce, type CommerceOptions } from './commerce.js';
import { LocationService } from './drivers/location-service.js';
import type { LocationOptions } from './drivers/location-options.js';
import { registerFeedRpc } from './feed/feed-rpc.js';
import { FeedService } from './feed/feed-service.js';
import { resolveLeaderboardOptions, type LeaderboardOptions } from './leaderboard/leaderboard-options.js';
import { LeaderboardService } from './leaderboard/leaderboard-service.js';
import { LeaderboardUpdates } from './leaderboard/update-publisher.js';
import { NotificationService } from './notifications/notification-service.js';
import { registerOrderChannels } from './orders/channel-rules.js';
import type { Principal } from './orders/order.js';
import { OrderService } from './orders/order-service.js';
import { trackingPayload, type TrackingPayload } from './orders/tracking.js';
import { leasedTimer } from './leased-timer.js';
import { Outbox } from './outbox.js';
import { registerPublicChannels } from './public-channels.js';
import { StoreService } from './stores/store-service.js';
import { UserDirectory } from './users.js';

/**
 * Options are documented where they are used: drivers/location-options.ts,
 * leaderboard/leaderboard-options.ts, chat/chat-options.ts and commerce.ts.
 */
export interface DomainOptions extends LocationOptions, LeaderboardOptions, ChatOptions, CommerceOptions {
  /** An order the kitchen has not accepted this long after payment is cancelled (`kitchen_timeout`), ms. Default 10 min. */
  kitchenTimeoutMs?: number;
  /** How often unaccepted orders are looked for, ms. Default 15 s (or a quarter of the timeout, if shorter). */
  kitchenTimeoutCheckIntervalMs?: number;
  /** How often the outbox republishes events a crash left behind, ms. Default 5 s. */
  outboxSweepIntervalMs?: number;
}

export const DEFAULT_DOMAIN_OPTIONS = {
  kitchenTimeoutMs: 10 * 60_000,
  kitchenTimeoutCheckIntervalMs: 15_000,
  outboxSweepIntervalMs: 5_000,
} as const;

/** Every domain service, wired to the store and the hub. */
export interface Domain {
  readonly users: UserDirectory;
  readonly stores: StoreService;
  readonly orders: OrderService;
  readonly notifications: NotificationService;
  readonly outbox: Outbox;
  readonly locations: LocationService;
  readonly feed: FeedService;
  readonly leaderboard: LeaderboardService;
  readonly chat: ChatService;
  /** The live catalog (products, stock, flash sales) and carts. */
  readonly commerce: Commerce;
  tracking(principal: Principal, orderId: string): Promise<TrackingPayload>;
  /** Stops the timers; resolves once queued driver locations are written. */
  close(): Promise<void>;
}

export async function createDomain(
  store: Store,
  hub: Hub,
  logger: Logger,
  options: DomainOptions = {},
): Promise<Domain> {
  const { db } = store;
  const users = new UserDirectory(db);
  const notifications = new NotificationService(db);
  const outbox = new Outbox(db, hub, logger, {
    sweepIntervalMs: options.outboxSweepIntervalMs ?? DEFAULT_DOMAIN_OPTIONS.outboxSweepIntervalMs,
  });
  const stores = new StoreService(db, outbox);
  const orders = new OrderService({ db, outbox, notifications, stores, users });
  registerOrderChannels(hub, orders);
  registerPublicChannels(hub);
  const chat = createChat({ db, hub, outbox, notifications, logger, orders }, options);
  const locations = new LocationService({ db, hub, orders, stores, logger }, options);
  hub.rpc.register('driver.location', (context, data) =>
    locations.record({ id: context.claims.sub, role: context.claims.role }, data),
  );

  const feed = new FeedService({ db, outbox, users });
  registerFeedRpc(hub, feed, users);
  const leaderboardOptions = resolveLeaderboardOptions(options);
  const leaderboardUpdates = new LeaderboardUpdates(
    hub,
    logger,
    () => leaderboard.top(leaderboardOptions.leaderboardTopSize),
    leaderboardOptions.leaderboardUpdateIntervalMs,
  );
  const leaderboard = new LeaderboardService({
    db,
    outbox,
    users,
    options: leaderboardOptions,
    pointsChanged: () => leaderboardUpdates.touch(),
  });
  orders.onChanged(leaderboard.onOrderChanged);
  orders.onOrderClosed(leaderboard.onOrderClosed);

  // Events a crash left between commit and publish go out before anyone is served.
  await outbox.sweep(0);
  const commerce = await createCommerce({ db, hub, outbox, stores, orders, logger }, options);

  const kitchenTimeoutMs = options.kitchenTimeoutMs ?? DEFAULT_DOMAIN_OPTIONS.kitchenTimeoutMs;
  const checkEveryMs = Math.min(
    options.kitchenTimeoutCheckIntervalMs ?? DEFAULT_DOMAIN_OPTIONS.kitchenTimeoutCheckIntervalMs,
    Math.max(50, kitchenTimeoutMs / 4),
  );
  const kitchenTimer = leasedTimer(
    hub.engine,
    'kitchen-timeouts',
    checkEveryMs,
    async () => {
      const count = await orders.cancelUnaccepted(kitchenTimeoutMs);
      if (count > 0) logger.info({ count }, 'cancelled orders the kitchen did not accept in time');
    },
    logger,
  );

  return {
    users,
    stores,
    orders,
    notifications,
    outbox,
    locations,
    feed,
    leaderboard,
    chat,
    commerce,
    async tracking(principal, orderId) {
      const order = await orders.get(principal, orderId);
      const [history, kitchen, customer, chef, driver, driverPosition] = await Promise.all([
        orders.history(order.id),
        stores.get(order.storeId),
        users.get(order.customerId),
        users.get(order.chefId),
        order.driverId ? users.get(order.driverId) : undefined,
        order.driverId ? locations.latestPosition(order.driverId) : undefined,
      ]);
      return trackingPayload({ order, history, store: kitchen, customer, chef, driver, driverPosition });
    },
    async close() {
      chat.close();
      outbox.close();
      await kitchenTimer.stop();
      await leaderboardUpdates.close();
      await Promise.all([commerce.close(), locations.close()]);
    },
  };
}

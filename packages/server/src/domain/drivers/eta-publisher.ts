import { TERMINAL_STATUSES } from '@dabba/protocol';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../logger.js';
import { domainEvent } from '../events.js';
import type { Order } from '../orders/order.js';
import type { OrderService } from '../orders/order-service.js';
import { invalidateRoutes, type DriverState } from './driver-states.js';
import {
  dampEta,
  estimateMinutes,
  INITIAL_ETA_DAMPING,
  type EtaDamping,
  type EtaSpeedModel,
  type LatLng,
} from './eta.js';
import { stageOf, type OrderRoute, type OrderRoutes } from './order-routes.js';

interface Deps {
  hub: Hub;
  orders: OrderService;
  logger: Logger;
}

/**
 * Recomputes the ETA of a driver's orders on each accepted fix and announces a change on
 * `order:{orderId}` (and on the order row), damped as `dampEta` describes.
 */
export class EtaPublisher {
  constructor(
    private readonly deps: Deps,
    private readonly routes: OrderRoutes,
    private readonly model: EtaSpeedModel,
  ) {}

  /**
   * Feeds the driver's position into each order's ETA. Returns the soonest ETA customers were
   * told — at once in the common case, or once the announcements a change needs are out.
   */
  update(
    state: DriverState,
    routes: readonly OrderRoute[],
    driver: LatLng,
    nowMs: number,
  ): number | undefined | Promise<number | undefined> {
    let soonest: number | undefined;
    let announcing: Array<Promise<number | undefined>> | undefined;
    for (const route of routes) {
      const before = state.etas.get(route.orderId) ?? initialDamping(route);
      const step = dampEta(before, this.estimate(route, driver, nowMs));
      // Set before anything awaits, so a concurrent fix of the same driver does not announce it twice.
      state.etas.set(route.orderId, step.state);
      if (step.publish) {
        const announced = this.confirmAndAnnounce(state, route, before, driver, nowMs).catch((error: unknown) => {
          // The fix is accepted whatever happens to its ETA: the next one tries again.
          state.etas.set(route.orderId, before);
          this.deps.logger.error({ err: error, orderId: route.orderId }, 'updating an ETA failed');
          return before.publishedMinutes;
        });
        (announcing ??= []).push(announced);
      } else soonest = earlier(soonest, step.state.publishedMinutes);
    }
    if (!announcing) return soonest;
    return Promise.all(announcing).then((told) => told.reduce(earlier, soonest));
  }

  /**
   * Announcing is rare (the rounded minutes changed), so it is worth confirming the cached order
   * first: a delivered, cancelled or reassigned order never gets an ETA from a stale cache, and
   * one picked up or ready since it was cached gets its ETA recomputed as it is now.
   */
  private async confirmAndAnnounce(
    state: DriverState,
    route: OrderRoute,
    before: EtaDamping,
    driver: LatLng,
    nowMs: number,
  ): Promise<number | undefined> {
    const order = await this.deps.orders.find(route.orderId).catch(() => undefined);
    if (!order || order.driverId !== state.driverId || TERMINAL_STATUSES.has(order.status)) {
      invalidateRoutes(state, route.orderId);
      return undefined;
    }
    let damping = state.etas.get(route.orderId) ?? before;
    if (stageChanged(route, order)) {
      invalidateRoutes(state);
      const redo = dampEta(before, this.estimate(await this.routes.ofOrder(order), driver, nowMs));
      state.etas.set(route.orderId, redo.state);
      if (!redo.publish) return redo.state.publishedMinutes;
      damping = redo.state;
    }
    const minutes = damping.publishedMinutes ?? 0;
    await this.announce(route.orderId, minutes, nowMs);
    return minutes;
  }

  private estimate(route: OrderRoute, driver: LatLng, nowMs: number): number {
    return estimateMinutes(
      { driver, kitchen: route.kitchen, customer: route.customer, pickedUp: route.pickedUp, prep: route.prep },
      this.model,
      nowMs,
    );
  }

  private async announce(orderId: string, etaMinutes: number, nowMs: number): Promise<void> {
    const estimatedDeliveryTime = new Date(nowMs + etaMinutes * 60_000).toISOString();
    const event = domainEvent(`order:${orderId}`, 'order:eta_update', { orderId, etaMinutes, estimatedDeliveryTime });
    await Promise.all([
      this.deps.hub
        .publish(event.channel, { id: event.id, type: event.type, data: event.data })
        .catch((error: unknown) => this.deps.logger.error({ err: error, orderId }, 'publishing an ETA failed')),
      this.deps.orders
        .recordEta(orderId, etaMinutes, estimatedDeliveryTime)
        .catch((error: unknown) => this.deps.logger.error({ err: error, orderId }, 'recording an ETA failed')),
    ]);
  }
}

/** A driver new to this node continues from what the order says customers were told. */
function initialDamping(route: OrderRoute): EtaDamping {
  return route.recordedEtaMinutes === null
    ? INITIAL_ETA_DAMPING
    : { publishedMinutes: route.recordedEtaMinutes, pendingMinutes: undefined };
}

function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function stageChanged(route: OrderRoute, order: Order): boolean {
  const now = stageOf(order);
  return now.pickedUp !== route.pickedUp || now.ready !== route.prep.ready;
}

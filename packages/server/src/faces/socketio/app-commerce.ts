import { z } from 'zod';
import { channels } from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import { bareId } from './aliases.js';
import type { SocketBridge } from './bridge.js';
import { inbound, type InboundHandler } from './inbound.js';
import { callRpc, ensureFollowing } from './rpc-call.js';

const id = z.string().min(1).max(64);
const storeRef = z.preprocess(bareId('storeId'), z.object({ storeId: id }));
const productRef = z.preprocess(bareId('productId'), z.object({ productId: id }));
/** `{}`, `{cartId}` (must be the user's own cart) or `{userId}` (must be the user). */
const cartRef = z.preprocess((value) => value ?? {}, z.object({ cartId: id.optional(), userId: id.optional() }));
/** The cart rpc validates the fields (`cart_version_conflict` for a stale `expectedVersion`); none is `{}`. */
const cartEdit = z.preprocess((value) => value ?? {}, z.record(z.string(), z.unknown()));

/**
 * Which store channels a socket follows and why: for the store itself, and/or for some of its
 * products. A product's events come on its store's channel (every product envelope names its
 * product), so a product subscription follows `store:{storeId}`, and the channel is left when
 * nothing on the socket needs it any more. Kept per live socket: after a recovered reconnect it
 * starts afresh (the channels themselves are restored), and an unsubscribe then leaves at once.
 */
class StoreInterest {
  readonly wholeStores = new Set<string>();
  readonly productStores = new Map<string, string>();

  needs(storeId: string): boolean {
    return this.wholeStores.has(storeId) || [...this.productStores.values()].includes(storeId);
  }
}

const interests = new WeakMap<SocketBridge, StoreInterest>();

function interestOf(bridge: SocketBridge): StoreInterest {
  let interest = interests.get(bridge);
  if (!interest) interests.set(bridge, (interest = new StoreInterest()));
  return interest;
}

async function storeOfProduct(bridge: SocketBridge, productId: string): Promise<string> {
  const product = (await callRpc(bridge, 'catalog.product', { productId })) as { storeId: string };
  return product.storeId;
}

async function leaveIfUnneeded(bridge: SocketBridge, storeId: string): Promise<void> {
  if (!interestOf(bridge).needs(storeId)) await bridge.unfollow(channels.store(storeId));
}

/** Runs a cart rpc and answers `{cart}`; every device of the user gets `cart:sync` besides. */
function cartCall(method: string): InboundHandler {
  return inbound(cartEdit, async (bridge, data) => ({ cart: await callRpc(bridge, method, data) }));
}

/**
 * Seed 004's cart and catalog on `/app`. Cart edits (`cart:add`, `cart:update`, `cart:remove`,
 * `cart:get`) go through the cart service's rpc and answer `{cart}` (a stale `expectedVersion`:
 * `cart_version_conflict` with the current cart in `error.details.cart`); `cart:sync`,
 * `cart:item_reserved` and `cart:item_released` come on the user's channel. Store and product
 * subscriptions follow `store:{id}` (stock, price, availability, flash sales).
 */
export const appCommerceHandlers: Readonly<Record<string, InboundHandler>> = {
  'subscribe:cart': inbound(cartRef, async (bridge, { cartId, userId }) => {
    // Cart events travel on `user:{id}`: another user's is refused by the hub like any subscribe.
    if (userId !== undefined) await ensureFollowing(bridge, channels.user(userId));
    const cart = (await callRpc(bridge, 'cart.get', {})) as { id: string };
    if (cartId !== undefined && cartId !== cart.id)
      throw new DabbaError('permission_denied', 'not your cart: carts follow their owner only');
    return { cart };
  }),
  // The user's channel carries more than the cart (rank changes, follows, chats): it stays followed.
  'unsubscribe:cart': inbound(cartRef, async () => undefined),
  'cart:get': cartCall('cart.get'),
  'cart:add': cartCall('cart.add'),
  'cart:update': cartCall('cart.update'),
  'cart:remove': cartCall('cart.remove'),
  'subscribe:store': inbound(storeRef, async (bridge, { storeId }) => {
    await ensureFollowing(bridge, channels.store(storeId));
    interestOf(bridge).wholeStores.add(storeId);
  }),
  'unsubscribe:store': inbound(storeRef, async (bridge, { storeId }) => {
    interestOf(bridge).wholeStores.delete(storeId);
    await leaveIfUnneeded(bridge, storeId);
  }),
  'subscribe:product': inbound(productRef, async (bridge, { productId }) => {
    const storeId = await storeOfProduct(bridge, productId);
    await ensureFollowing(bridge, channels.store(storeId));
    interestOf(bridge).productStores.set(productId, storeId);
    return { storeId };
  }),
  'unsubscribe:product': inbound(productRef, async (bridge, { productId }) => {
    const interest = interestOf(bridge);
    const storeId = interest.productStores.get(productId) ?? (await storeOfProduct(bridge, productId));
    interest.productStores.delete(productId);
    await leaveIfUnneeded(bridge, storeId);
  }),
};

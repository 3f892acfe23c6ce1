import type { z } from 'zod';
import { DabbaError } from '../../errors.js';
import type { Hub } from '../../hub/hub.js';
import type { RpcContext } from '../../hub/rpc.js';
import type { Principal } from '../orders/order.js';
import { addItemSchema, removeItemSchema, setQuantitySchema } from './cart-inputs.js';
import type { CartService } from './cart-service.js';

/**
 * Native-protocol methods, so a client SDK changes the cart over its socket: `cart.add`
 * `{productId, quantity?, expectedVersion?}`, `cart.update` `{productId, quantity,
 * expectedVersion?}`, `cart.remove` `{productId, expectedVersion?}`, and `cart.get` `{}`. Each
 * answers the whole cart; every device also gets it as `cart:sync`.
 */
export function registerCartRpc(hub: Hub, carts: CartService): void {
  const principal = (context: RpcContext): Principal => ({ id: context.claims.sub, role: context.claims.role });
  hub.rpc.register('cart.get', (context) => carts.get(principal(context)));
  hub.rpc.register('cart.add', (context, data) => carts.add(principal(context), parse(addItemSchema, data)));
  hub.rpc.register('cart.update', (context, data) =>
    carts.setQuantity(principal(context), parse(setQuantitySchema, data)),
  );
  hub.rpc.register('cart.remove', (context, data) => carts.remove(principal(context), parse(removeItemSchema, data)));
}

function parse<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DabbaError(
    'validation_failed',
    issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid data',
  );
}

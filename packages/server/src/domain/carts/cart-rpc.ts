import type { Hub } from '../../hub/hub.js';
import { parseRpcData, type RpcContext } from '../../hub/rpc.js';
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
  hub.rpc.register('cart.add', (context, data) => carts.add(principal(context), parseRpcData(addItemSchema, data)));
  hub.rpc.register('cart.update', (context, data) =>
    carts.setQuantity(principal(context), parseRpcData(setQuantitySchema, data)),
  );
  hub.rpc.register('cart.remove', (context, data) =>
    carts.remove(principal(context), parseRpcData(removeItemSchema, data)),
  );
}

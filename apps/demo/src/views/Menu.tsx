import { useChannel, useToast } from '@dabba/react';
import { useEffect, useState, type ReactNode } from 'react';
import { api, rupees, type Demo } from '../demo-api.js';

interface Product {
  id: string;
  name: string;
  description: string | null;
  effectivePriceMinor: number;
  currency: string;
  stock: number | null;
}

/** Delivery fee the demo charges, paise (the simulator's too). */
const DELIVERY_FEE_MINOR = 3_000;

/** The demo kitchen's menu and a basket; "Place order" orders, then pays through dev mode's stand-in provider. */
export function Menu({
  demo,
  token,
  onPlaced,
}: {
  demo: Demo;
  token: string;
  onPlaced: (orderId: string) => void;
}): ReactNode {
  const [products, setProducts] = useState<Product[]>();
  const [basket, setBasket] = useState<Record<string, number>>({});
  const [placing, setPlacing] = useState(false);
  const toast = useToast();

  useEffect(() => {
    api<{ products: Product[] }>(token, 'GET', `/stores/${demo.kitchen.id}/products?available=true`).then(
      (r) => setProducts(r.products),
      (error: Error) => toast.error(`Could not load the menu: ${error.message}`),
    );
  }, [demo.kitchen.id, token, toast]);

  // The menu is live: stock, prices and availability change as the kitchen and other orders change them.
  useChannel(`store:${demo.kitchen.id}`, (data) => {
    const product = (data as { product?: Product & { available?: boolean } }).product;
    if (!product) return;
    setProducts((list) =>
      list
        ?.filter((p) => p.id !== product.id || product.available !== false)
        .map((p) => (p.id === product.id ? product : p)),
    );
  });

  const add = (id: string, delta: number): void =>
    setBasket((b) => {
      const quantity = Math.max(0, Math.min(20, (b[id] ?? 0) + delta));
      const rest = Object.fromEntries(Object.entries(b).filter(([key]) => key !== id));
      return quantity === 0 ? rest : { ...rest, [id]: quantity };
    });
  const lines = (products ?? []).filter((p) => basket[p.id]).map((p) => ({ product: p, quantity: basket[p.id] ?? 0 }));
  const subtotal = lines.reduce((sum, l) => sum + l.product.effectivePriceMinor * l.quantity, 0);

  const place = async (): Promise<void> => {
    setPlacing(true);
    try {
      const order = await api<{ id: string; orderNumber: string }>(token, 'POST', '/orders', {
        storeId: demo.kitchen.id,
        items: lines.map((l) => ({
          productId: l.product.id,
          name: l.product.name,
          quantity: l.quantity,
          unitPriceMinor: l.product.effectivePriceMinor,
        })),
        deliveryAddress: demo.dropoff.address,
        deliveryLatitude: demo.dropoff.latitude,
        deliveryLongitude: demo.dropoff.longitude,
        deliveryFeeMinor: DELIVERY_FEE_MINOR,
        currency: 'INR',
      });
      await api(token, 'POST', `/dev/orders/${order.id}/pay`);
      toast.success(`Order ${order.orderNumber} placed and paid`);
      setBasket({});
      onPlaced(order.id);
    } catch (error) {
      toast.error(`Could not place the order: ${(error as Error).message}`);
    } finally {
      setPlacing(false);
    }
  };

  return (
    <section className="card">
      <h2>{demo.kitchen.name}</h2>
      <p className="muted">{demo.kitchen.address}</p>
      {!products && <p>Loading the menu…</p>}
      <ul className="menu" data-testid="menu">
        {products?.map((p) => (
          <li key={p.id} className="menu-item">
            <div>
              <strong>{p.name}</strong> <span className="price">{rupees(p.effectivePriceMinor)}</span>
              {p.description && <div className="muted">{p.description}</div>}
              {p.stock !== null && <div className="muted">{p.stock} left today</div>}
            </div>
            <div className="stepper">
              <button
                type="button"
                aria-label={`One less ${p.name}`}
                onClick={() => add(p.id, -1)}
                disabled={!basket[p.id]}
              >
                −
              </button>
              <span data-testid={`qty-${p.id}`}>{basket[p.id] ?? 0}</span>
              <button
                type="button"
                aria-label={`One more ${p.name}`}
                data-testid={`add-${p.id}`}
                onClick={() => add(p.id, 1)}
              >
                +
              </button>
            </div>
          </li>
        ))}
      </ul>
      <div className="basket">
        <span>
          {lines.length === 0 ? 'Your basket is empty' : `${rupees(subtotal)} + ${rupees(DELIVERY_FEE_MINOR)} delivery`}
        </span>
        <button
          type="button"
          className="primary"
          data-testid="place-order"
          disabled={lines.length === 0 || placing}
          onClick={() => void place()}
        >
          {placing ? 'Placing…' : 'Place order'}
        </button>
      </div>
      <p className="muted">Delivers to {demo.dropoff.address}</p>
    </section>
  );
}

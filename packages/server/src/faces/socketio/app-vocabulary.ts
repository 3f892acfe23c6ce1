import { eventCatalog, isCatalogEvent, type Envelope, type EventData, type EventName } from '@dabba/protocol';
import type { OutgoingEvent, Vocabulary } from './vocabulary.js';

/** At or below this many units, `stock:updated` says `LOW_STOCK`. */
export const LOW_STOCK_THRESHOLD = 5;

/** Seed 004's stock levels. */
export type StockStatus = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';

function stockStatus(stock: number | null): StockStatus {
  if (stock === null) return 'IN_STOCK';
  if (stock === 0) return 'OUT_OF_STOCK';
  return stock <= LOW_STOCK_THRESHOLD ? 'LOW_STOCK' : 'IN_STOCK';
}

/** The data of a catalog envelope, if it is what the catalog says (server API publishers may send anything). */
function dataOf<N extends EventName>(type: N, envelope: Envelope): EventData<N> | undefined {
  const parsed = eventCatalog[type].safeParse(envelope.data);
  return parsed.success ? (parsed.data as EventData<N>) : undefined;
}

const iso = (envelope: Envelope): string => new Date(envelope.ts).toISOString();

/**
 * The catalog's store events under seed 004's names, in seed 004's shapes, each with the whole
 * `product` besides (what the catalog envelope carries). Prices are in minor units.
 */
const seed004Catalog: Partial<Record<EventName, (envelope: Envelope) => OutgoingEvent | null>> = {
  'product:stock_update': (envelope) => {
    const d = dataOf('product:stock_update', envelope);
    if (!d) return null;
    return [
      'stock:updated',
      {
        productId: d.productId,
        storeId: d.storeId,
        quantity: d.stock,
        previousQuantity: d.previousStock,
        status: stockStatus(d.stock),
        timestamp: iso(envelope),
        product: d.product,
      },
    ];
  },
  'product:price_update': (envelope) => {
    const d = dataOf('product:price_update', envelope);
    if (!d) return null;
    const sale = d.product.flashSale?.active ? d.product.flashSale : null;
    return [
      'price:updated',
      {
        productId: d.productId,
        storeId: d.storeId,
        oldPrice: d.previousEffectivePriceMinor,
        newPrice: d.effectivePriceMinor,
        listPrice: d.priceMinor,
        currency: d.currency,
        ...(sale?.discountPercent ? { discountPercentage: sale.discountPercent } : {}),
        timestamp: iso(envelope),
        product: d.product,
      },
    ];
  },
  'product:availability_changed': (envelope) => {
    const d = dataOf('product:availability_changed', envelope);
    if (!d) return null;
    return [
      'product:availability',
      {
        productId: d.productId,
        storeId: d.storeId,
        isAvailable: d.available,
        timestamp: iso(envelope),
        product: d.product,
      },
    ];
  },
  'store:flash_sale': (envelope) => {
    const d = dataOf('store:flash_sale', envelope);
    if (!d) return null;
    return [
      d.phase === 'started' ? 'flashsale:started' : 'flashsale:ended',
      {
        flashSaleId: d.sale.id,
        productId: d.productId,
        storeId: d.storeId,
        title: d.product.name,
        discountPercentage: d.sale.discountPercent,
        salePrice: d.sale.salePriceMinor,
        startTime: d.sale.startsAt,
        endTime: d.sale.endsAt,
        reason: d.reason,
        timestamp: d.at,
        product: d.product,
      },
    ];
  },
};

/**
 * `/app` (seed 004): every catalog event under its catalog name with its data as is (`chat:*`,
 * `feed:*`, `leaderboard:*`, `cart:*`, `order:*`, `notification`, `store:updated`, …), except
 * the store events seed 004's SocketContext names itself: `stock:updated`, `price:updated`,
 * `product:availability`, `flashsale:started` and `flashsale:ended`. Publications without a
 * catalog type are not sent here.
 */
export const appVocabulary: Vocabulary = (envelope) => {
  if (!isCatalogEvent(envelope.type)) return null;
  const translate = seed004Catalog[envelope.type];
  return translate ? translate(envelope) : [envelope.type, envelope.data];
};

export { createClient, type DabbaClient, type OutboxView, type SendOptions } from './client.js';
export type { ChannelSubscription, SubscribedInfo } from './channels.js';
export type { ConnectionState, ConnectionStatus } from './connection.js';
export { DabbaClientError, type ClientErrorCode } from './errors.js';
export type { AnyEventHandler, EventHandler, EventMeta } from './events.js';
export {
  DEFAULT_OUTBOX,
  DEFAULT_RECONNECT,
  RECONNECT_PRESETS,
  type ClientOptions,
  type OutboxOptions,
  type ReconnectOptions,
} from './options.js';
export { IDEMPOTENCY_FIELD, type OutboxEntry, type OutboxEvents, type OutboxKind } from './outbox/outbox.js';
export {
  asyncStorage,
  memoryStorage,
  webStorage,
  type AsyncStorageLike,
  type OutboxStorage,
} from './outbox/storage.js';
export type { OrderTracker } from './tracking/order-tracker.js';
export type {
  DriverPosition,
  OrderTrackingState,
  StatusHistoryEntry,
  TrackedDriver,
  TrackingPhase,
} from './tracking/tracking-state.js';

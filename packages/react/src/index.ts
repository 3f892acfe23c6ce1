export {
  DabbaProvider,
  useDabbaClient,
  useDabbaContext,
  useDabbaUserId,
  type DabbaContextValue,
  type DabbaProviderProps,
} from './provider.js';
export { DabbaRestError, type RestClient } from './rest.js';
export { useConnectionState, useOrderTracking } from './use-connection.js';
export { useChannel, useEvent, useLatest, type ChannelStatus } from './use-channel.js';
export { useChat, type Chat, type ChatOptions } from './use-chat.js';
export type { ChatMessage, ChatState, PendingMessage } from './chat-state.js';
export { useCart, type Cart, type CartOptions, type CartState } from './use-cart.js';
export {
  DEFAULT_INVALIDATION,
  keysFor,
  type InvalidationMapping,
  type InvalidationRule,
  type QueryKey,
} from './invalidation.js';
export { useRealtimeInvalidation, type RealtimeInvalidationOptions } from './use-realtime-invalidation.js';
export {
  ConnectionStatus,
  DEFAULT_CONNECTION_LABELS,
  type ConnectionStatusLabels,
  type ConnectionStatusProps,
} from './connection-status.js';
export { Toaster, ToastProvider, useToast, useToasts, type ToastApi } from './toast.js';
export {
  DEFAULT_MAX_TOASTS,
  DEFAULT_TOAST_DURATION_MS,
  ToastStore,
  type Toast,
  type ToastAction,
  type ToastInput,
  type ToastType,
} from './toast-store.js';
export { DABBA_CSS, injectStyles, STYLE_ELEMENT_ID } from './styles.js';
// What apps using only this package need from the client.
export {
  RECONNECT_PRESETS,
  asyncStorage,
  memoryStorage,
  webStorage,
  type ClientOptions,
  type ConnectionState,
  type DabbaClient,
  type OrderTrackingState,
} from '@dabba/client';

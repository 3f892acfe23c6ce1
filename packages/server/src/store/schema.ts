import type { Generated } from 'kysely';

/**
 * The tables, as kysely sees them. One schema for SQLite and Postgres: times are ISO-8601 text
 * (they sort as text, and both engines store them the same way), JSON is text, money is an
 * integer count of minor units.
 */
export interface Database {
  users: UsersTable;
  stores: StoresTable;
  orders: OrdersTable;
  order_status_history: OrderStatusHistoryTable;
  order_counters: OrderCountersTable;
  driver_locations: DriverLocationsTable;
  driver_location_trail: DriverLocationTrailTable;
  notifications: NotificationsTable;
  device_registrations: DeviceRegistrationsTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  feed_posts: FeedPostsTable;
  feed_likes: FeedLikesTable;
  feed_comments: FeedCommentsTable;
  feed_follows: FeedFollowsTable;
  leaderboard_points: LeaderboardPointsTable;
  leaderboard_awards: LeaderboardAwardsTable;
  leaderboard_achievements: LeaderboardAchievementsTable;
  chat_conversations: ChatConversationsTable;
  chat_participants: ChatParticipantsTable;
  chat_messages: ChatMessagesTable;
  chat_agent_status: ChatAgentStatusTable;
  products: ProductsTable;
  flash_sales: FlashSalesTable;
  carts: CartsTable;
  cart_items: CartItemsTable;
  cart_reservations: CartReservationsTable;
}

export interface UsersTable {
  id: string;
  role: string;
  name: string;
  phone: string | null;
  created_at: string;
  updated_at: string;
}

export interface StoresTable {
  id: string;
  chef_id: string;
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  prep_minutes: number;
  is_active: number;
  created_at: string;
  updated_at: string;
}

export interface OrdersTable {
  id: string;
  order_number: string;
  customer_id: string;
  store_id: string;
  chef_id: string;
  driver_id: string | null;
  status: string;
  /** When the status last changed: what the kitchen timeout measures from. */
  status_changed_at: string;
  /** JSON array of order items. */
  items: string;
  subtotal_minor: number;
  delivery_fee_minor: number;
  total_minor: number;
  currency: string;
  delivery_address: string;
  delivery_latitude: number;
  delivery_longitude: number;
  eta_minutes: number | null;
  estimated_delivery_at: string | null;
  /** JSON object of stage timestamps (createdAt, acceptedAt, …). */
  timestamps: string;
  cancel_reason: string | null;
  cancelled_by: string | null;
  created_at: string;
  updated_at: string;
  /** Optimistic concurrency: every write bumps it and names the one it read. */
  version: number;
}

export interface OrderStatusHistoryTable {
  id: string;
  order_id: string;
  /** 1, 2, 3… within the order. */
  position: number;
  status: string;
  at: string;
  changed_by: string;
  changed_by_role: string;
  reason: string | null;
}

export interface OrderCountersTable {
  day: string;
  last: number;
}

export interface DriverLocationsTable {
  driver_id: string;
  latitude: number;
  longitude: number;
  accuracy: number | null;
  heading: number | null;
  speed: number | null;
  recorded_at: string;
  received_at: string;
}

export interface DriverLocationTrailTable {
  id: string;
  driver_id: string;
  latitude: number;
  longitude: number;
  recorded_at: string;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  type: string;
  title: string;
  body: string;
  /** JSON object. */
  data: string;
  created_at: string;
  read_at: string | null;
}

export interface DeviceRegistrationsTable {
  id: string;
  user_id: string;
  platform: string;
  token: string;
  created_at: string;
}

export interface IdempotencyKeysTable {
  /** Who sent it: `user:{id}` or `api`. */
  scope: string;
  key: string;
  method: string;
  path: string;
  status_code: number;
  /** JSON response body. */
  response: string;
  created_at: string;
}

/** Envelopes written in the same transaction as the change they announce; published after commit. */
export interface OutboxTable {
  id: string;
  seq: Generated<number>;
  channel: string;
  type: string;
  /** JSON data. */
  data: string;
  created_at: string;
  published_at: string | null;
}

export interface FeedPostsTable {
  id: string;
  author_id: string;
  text: string;
  image_url: string | null;
  /** Changed in the same transaction as the like rows: always their exact count. */
  like_count: number;
  comment_count: number;
  /** The client's own id for the post, so a retried create stores it once. */
  client_key: string | null;
  created_at: string;
}

export interface FeedLikesTable {
  post_id: string;
  user_id: string;
  created_at: string;
}

export interface FeedCommentsTable {
  id: string;
  post_id: string;
  author_id: string;
  text: string;
  client_key: string | null;
  created_at: string;
}

export interface FeedFollowsTable {
  follower_id: string;
  followee_id: string;
  created_at: string;
}

export interface LeaderboardPointsTable {
  user_id: string;
  points: number;
  /** When the current total was reached: the earlier ranks higher among equal totals. */
  reached_at: string;
}

/** Every award, for audit; `award_key` (unique) makes an award idempotent. */
export interface LeaderboardAwardsTable {
  id: string;
  user_id: string;
  points: number;
  reason: string;
  award_key: string | null;
  created_at: string;
}

export interface LeaderboardAchievementsTable {
  user_id: string;
  achievement_id: string;
  name: string;
  points: number;
  awarded_at: string;
}

/** A chat: `kind` order (one per order and `topic`) or support (queued until an agent claims it). */
export interface ChatConversationsTable {
  id: string;
  kind: string;
  /** queued | open | closed */
  status: string;
  order_id: string | null;
  /** kitchen | driver, for order chats. */
  topic: string | null;
  subject: string | null;
  created_by: string;
  /** The support agent who claimed it. */
  agent_id: string | null;
  /** Highest message seq so far; every send bumps it. */
  last_seq: number;
  last_message_at: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface ChatParticipantsTable {
  conversation_id: string;
  user_id: string;
  role: string;
  joined_at: string;
  /** Set when a participant leaves (a reassigned driver): they no longer see the conversation. */
  left_at: string | null;
  last_read_seq: number;
  last_read_message_id: string | null;
}

export interface ChatMessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  client_message_id: string;
  sender_id: string;
  sender_role: string;
  sender_name: string;
  text: string;
  created_at: string;
}

export interface ChatAgentStatusTable {
  agent_id: string;
  /** online | away | offline */
  status: string;
  updated_at: string;
}
/** Catalog products. `stock` null: not tracked; otherwise units that can still be bought. */
export interface ProductsTable {
  id: string;
  store_id: string;
  name: string;
  description: string;
  price_minor: number;
  currency: string;
  available: number;
  stock: number | null;
  created_at: string;
  updated_at: string;
}

export interface FlashSalesTable {
  id: string;
  product_id: string;
  store_id: string;
  starts_at: string;
  ends_at: string;
  discount_percent: number | null;
  sale_price_minor: number | null;
  cancelled_at: string | null;
  started_announced_at: string | null;
  ended_announced_at: string | null;
  created_at: string;
}

export interface CartsTable {
  id: string;
  user_id: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CartItemsTable {
  cart_id: string;
  product_id: string;
  quantity: number;
  added_at: string;
}

/** Stock held for a cart by a checkout; `status` 'active' | 'released' | 'consumed'. */
export interface CartReservationsTable {
  id: string;
  cart_id: string;
  user_id: string;
  product_id: string;
  store_id: string;
  quantity: number;
  status: string;
  expires_at: string;
  created_at: string;
  ended_at: string | null;
}

import { z } from 'zod';

/**
 * The Centrifugo client protocol v2, JSON flavour (centrifugal/protocol `client.proto`):
 * commands a client sends, and the replies and pushes a server writes. A frame carries one
 * or more of these, separated by '\n'. An empty object is a ping (server → client) or a
 * pong (client → server).
 */

const channel = z.string().min(1);
const offset = z.number().int().nonnegative();

export const connectRequestSchema = z.object({
  token: z.string().optional(),
  data: z.unknown().optional(),
  name: z.string().max(64).optional(),
  version: z.string().max(64).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Server-side subscriptions to recover: channel → position. */
  subs: z
    .record(
      z.string(),
      z.object({
        recover: z.boolean().optional(),
        offset: offset.optional(),
        epoch: z.string().optional(),
      }),
    )
    .optional(),
});

export const subscribeRequestSchema = z.object({
  channel,
  token: z.string().optional(),
  recover: z.boolean().optional(),
  epoch: z.string().optional(),
  offset: offset.optional(),
  data: z.unknown().optional(),
  positioned: z.boolean().optional(),
  recoverable: z.boolean().optional(),
  join_leave: z.boolean().optional(),
  flag: z.number().int().optional(),
});

export const unsubscribeRequestSchema = z.object({ channel });
export const publishRequestSchema = z.object({ channel, data: z.unknown() });
export const presenceRequestSchema = z.object({ channel });
export const presenceStatsRequestSchema = z.object({ channel });
export const historyRequestSchema = z.object({
  channel,
  limit: z.number().int().optional(),
  since: z.object({ offset: offset.optional(), epoch: z.string().optional() }).optional(),
  reverse: z.boolean().optional(),
});
export const rpcRequestSchema = z.object({ method: z.string().min(1).max(128), data: z.unknown().optional() });
export const refreshRequestSchema = z.object({ token: z.string().min(1) });
export const sendRequestSchema = z.object({ data: z.unknown() });

/** Every method a command may carry, with the schema of its request. */
export const commandMethods = {
  connect: connectRequestSchema,
  subscribe: subscribeRequestSchema,
  unsubscribe: unsubscribeRequestSchema,
  publish: publishRequestSchema,
  presence: presenceRequestSchema,
  presence_stats: presenceStatsRequestSchema,
  history: historyRequestSchema,
  rpc: rpcRequestSchema,
  refresh: refreshRequestSchema,
  send: sendRequestSchema,
} as const;

export type CommandMethod = keyof typeof commandMethods;
export type CommandRequest<M extends CommandMethod> = z.infer<(typeof commandMethods)[M]>;

/**
 * A publish request of the usual shape, an object with a non-empty string `channel` and some
 * `data`, taken as `publishRequestSchema` would return it (channel and data, other keys
 * dropped) without running the schema: publishing is the command on the fan-out's critical
 * path, and the schema's generic object walk was a fifth of the time from a publish's arrival
 * to its first delivery. Anything else is undefined: the schema then decides, and names the error.
 */
export function plainPublishRequest(value: unknown): CommandRequest<'publish'> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { channel, data } = value as { channel?: unknown; data?: unknown };
  if (typeof channel !== 'string' || channel.length === 0 || data === undefined) return undefined;
  return { channel, data };
}

/** A parsed command: its id (0 for `send`, which expects no reply), method and request. */
export type Command = {
  [M in CommandMethod]: { id: number; method: M; request: CommandRequest<M> };
}[CommandMethod];

export interface ClientInfo {
  client: string;
  user: string;
  conn_info?: unknown;
  chan_info?: unknown;
}

export interface PublicationWire {
  data: unknown;
  offset?: number;
  info?: ClientInfo;
  tags?: Record<string, string>;
}

export interface SubscribeResult {
  expires?: boolean;
  ttl?: number;
  recoverable?: boolean;
  epoch?: string;
  publications?: PublicationWire[];
  recovered?: boolean;
  offset?: number;
  positioned?: boolean;
  was_recovering?: boolean;
  data?: unknown;
}

export interface ConnectResult {
  client: string;
  version: string;
  expires?: boolean;
  ttl?: number;
  data?: unknown;
  subs?: Record<string, SubscribeResult>;
  /** Server ping interval, seconds. */
  ping: number;
  /** The server expects a pong to each ping. */
  pong: boolean;
  session?: string;
  node?: string;
}

export interface RefreshResult {
  client: string;
  version: string;
  expires: boolean;
  ttl?: number;
}

export interface HistoryResult {
  publications: PublicationWire[];
  epoch: string;
  offset: number;
}

export interface PresenceResult {
  presence: Record<string, ClientInfo>;
}

export interface PresenceStatsResult {
  num_clients: number;
  num_users: number;
}

export interface ProtocolError {
  code: number;
  message: string;
  temporary?: boolean;
}

/** Pushes: the server-initiated messages of the protocol. */
export interface Push {
  channel?: string;
  pub?: PublicationWire;
  join?: { info: ClientInfo };
  leave?: { info: ClientInfo };
  unsubscribe?: { code: number; reason: string };
  subscribe?: SubscribeResult;
  disconnect?: { code: number; reason: string; reconnect?: boolean };
  message?: { data: unknown };
}

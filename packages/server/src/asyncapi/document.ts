import { z } from 'zod';
import { envelopeSchema, eventCatalog, type EventName } from '@dabba/protocol';
import { plainWsClientMessages, plainWsServerMessages } from '../faces/plain-ws/messages.js';
import { PLAIN_WS_PATH } from '../faces/plain-ws/face.js';
import { PLAIN_WS_TRANSLATIONS } from '../faces/plain-ws/vocabulary.js';
import { SSE_EVENTS_PATH, SSE_ORDER_STATUS_PATH } from '../faces/sse/face.js';
import { VERSION } from '../version.js';
import { CHANNEL_DOCS } from './channels.js';
import type { JsonValue } from './yaml.js';

type JsonObject = { [key: string]: JsonValue };

/** Channel kinds the Socket.IO `/realtime` namespace follows (its user's, its role's, and the orders it asks for). */
const REALTIME_CHANNELS: ReadonlySet<string> = new Set(['user', 'role', 'order', 'tracking']);
/** `/notifications` names only these (faces/socketio/vocabulary.ts `notificationsVocabulary`). */
const NOTIFICATIONS_NAMES: Readonly<Partial<Record<EventName, string>>> = {
  'order:status_update': 'orderStatusUpdate',
  notification: 'notification',
};

/** AsyncAPI component names allow `[A-Za-z0-9._-]` only: `order:status_update` → `order.status_update`. */
export function messageKey(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '.');
}

/** A zod schema as the JSON Schema (draft 7, AsyncAPI's default schema format) of a payload. */
function jsonSchema(schema: z.ZodType): JsonObject {
  const converted = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as JsonObject;
  delete converted.$schema;
  return converted;
}

/** Which channel kinds publish an event. */
function channelsOf(event: EventName): string[] {
  return Object.entries(CHANNEL_DOCS)
    .filter(([, doc]) => doc.events.includes(event))
    .map(([kind]) => kind);
}

/** What each face calls one catalog event, where it sends it at all. */
function faceNames(event: EventName): JsonObject {
  const kinds = channelsOf(event);
  const socketio: JsonObject = {};
  if (kinds.some((kind) => REALTIME_CHANNELS.has(kind))) socketio['/realtime'] = event;
  const notifications = NOTIFICATIONS_NAMES[event];
  if (notifications) socketio['/notifications'] = notifications;
  const plainWs: JsonObject = {};
  for (const [kind, table] of Object.entries(PLAIN_WS_TRANSLATIONS)) {
    const name = (table as Readonly<Record<string, string>>)[event];
    if (name && kinds.includes(kind)) plainWs[CHANNEL_DOCS[kind]?.address ?? kind] = name;
  }
  const sse: JsonObject = { [SSE_EVENTS_PATH]: event };
  if (event === 'order:status_update') sse[SSE_ORDER_STATUS_PATH] = 'message';
  return {
    native: { publicationTagsType: event },
    socketio,
    ...(Object.keys(plainWs).length > 0 ? { plainWs } : {}),
    sse,
  };
}

function catalogMessage(event: EventName): JsonObject {
  return {
    name: event,
    title: event,
    summary: `Envelope type ${event}; the payload is the envelope's data.`,
    payload: jsonSchema(eventCatalog[event]),
    'x-dabba-faces': faceNames(event),
  };
}

function plainWsMessage(type: string, schema: z.ZodType, direction: 'server' | 'client'): JsonObject {
  return {
    name: type,
    title: `/api/ws ${type}`,
    summary: direction === 'server' ? 'Sent by the server on /api/ws.' : 'Sent by the client on /api/ws.',
    payload: jsonSchema(schema),
  };
}

const ref = (path: string): JsonObject => ({ $ref: path });

/**
 * The AsyncAPI 3 document of Dabba's events, built from the `@dabba/protocol` catalog: every
 * hub channel kind with the envelopes published there and their payload schemas, what each face
 * names them (`x-dabba-faces`), and seed 001's `/api/ws` vocabulary as a channel of its own.
 */
export function asyncApiDocument(): JsonObject {
  const events = Object.keys(eventCatalog) as EventName[];
  const messages: JsonObject = {};
  for (const event of events) messages[messageKey(event)] = catalogMessage(event);
  for (const [type, schema] of Object.entries(plainWsServerMessages))
    messages[`plainWs.${type}`] = plainWsMessage(type, schema, 'server');
  for (const [type, schema] of Object.entries(plainWsClientMessages))
    messages[`plainWs.client.${type}`] = plainWsMessage(type, schema, 'client');

  const channels: JsonObject = {};
  const operations: JsonObject = {};
  for (const [kind, doc] of Object.entries(CHANNEL_DOCS)) {
    const channelMessages: JsonObject = {};
    for (const event of doc.events)
      channelMessages[messageKey(event)] = ref(`#/components/messages/${messageKey(event)}`);
    const parameters: JsonObject = {};
    for (const [name, description] of Object.entries(doc.parameters ?? {})) parameters[name] = { description };
    channels[kind] = {
      address: doc.address,
      description: doc.description,
      ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      messages: channelMessages,
    };
    operations[`receive.${kind}`] = {
      action: 'receive',
      channel: ref(`#/channels/${kind}`),
      summary: `Envelopes published on ${doc.address}.`,
      messages: doc.events.map((event) => ref(`#/channels/${kind}/messages/${messageKey(event)}`)),
    };
  }
  const serverMessages = Object.keys(plainWsServerMessages).map((type) => `plainWs.${type}`);
  const clientMessages = Object.keys(plainWsClientMessages).map((type) => `plainWs.client.${type}`);
  const plainWsChannelMessages: JsonObject = {};
  for (const key of [...serverMessages, ...clientMessages])
    plainWsChannelMessages[key] = ref(`#/components/messages/${key}`);
  channels.plainWs = {
    address: PLAIN_WS_PATH,
    description:
      "Seed 001's plain WebSocket (?token=<jwt>): one JSON {type, data} message per text frame. The socket follows its user's open orders and catalog; subscribe names store:{storeId} or order:{orderId}. See docs/plain-ws.md.",
    servers: [ref('#/servers/plainWs')],
    messages: plainWsChannelMessages,
  };
  operations['plainWs.receive'] = {
    action: 'receive',
    channel: ref('#/channels/plainWs'),
    messages: serverMessages.map((key) => ref(`#/channels/plainWs/messages/${key}`)),
  };
  operations['plainWs.send'] = {
    action: 'send',
    channel: ref('#/channels/plainWs'),
    messages: clientMessages.map((key) => ref(`#/channels/plainWs/messages/${key}`)),
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Dabba events',
      version: VERSION,
      description:
        'Every event Dabba publishes is an envelope {id, type, channel, data, ts} on one hub channel; the message payloads below are the envelope data. Each face translates envelopes into its own vocabulary (x-dabba-faces). Generated from @dabba/protocol by `npm run asyncapi`; do not edit.',
    },
    defaultContentType: 'application/json',
    servers: {
      native: server(
        '/connection/websocket',
        'ws',
        'Centrifugo client protocol v2 (JSON): publication.data is the envelope data, publication.tags.type its type.',
      ),
      socketio: server('/socket.io', 'ws', 'Socket.IO 4 namespaces /realtime and /notifications.'),
      plainWs: server(PLAIN_WS_PATH, 'ws', "Seed 001's {type, data} frames."),
      sse: server(
        SSE_EVENTS_PATH,
        'http',
        'Server-sent events: event: is the envelope type, data: the whole envelope.',
      ),
    },
    channels,
    operations,
    components: {
      schemas: { Envelope: jsonSchema(envelopeSchema) },
      messages,
    },
  };
}

function server(pathname: string, protocol: string, description: string): JsonObject {
  return { host: 'localhost:9001', protocol, pathname, description };
}

import {
  DEFAULT_EVENT_TYPE,
  commandMethods,
  type ClientInfo,
  type Command,
  type CommandMethod,
  type ProtocolError,
  type PublicationWire,
  type Push,
} from '@dabba/protocol';
import { DabbaError } from '../../errors.js';
import type { PreparedPublication } from '../../hub/prepared.js';
import { TextFrame } from '../shared/text-frame.js';

const METHODS = Object.keys(commandMethods) as CommandMethod[];

/** A frame line with no method: a pong to the server's ping. */
export const PONG = Symbol('pong');

/** One line of an inbound frame: a command, a pong, or a command naming a method we do not know. */
export type FrameLine = Command | typeof PONG | { id: number; unknownMethod: true };

/**
 * Parses one inbound frame: one or more JSON commands separated by '\n'. Malformed JSON or a
 * command of the wrong shape throws `bad_request`; a command naming no method we know
 * yields `method_not_found` for that id, which the session answers without disconnecting.
 */
export function parseFrame(text: string): FrameLine[] {
  // Most frames carry one command: no split.
  if (!text.includes('\n')) return text.trim() === '' ? [] : [parseLine(text)];
  const out: FrameLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() !== '') out.push(parseLine(line));
  }
  return out;
}

function parseLine(line: string): FrameLine {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new DabbaError('bad_request', 'malformed JSON');
  }
  return parseCommand(raw);
}

function parseCommand(raw: unknown): FrameLine {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DabbaError('bad_request', 'command must be an object');
  const object = raw as Record<string, unknown>;
  const id = object.id ?? 0;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
    throw new DabbaError('bad_request', 'command id must be a non-negative integer');
  const method = METHODS.find((m) => object[m] !== undefined);
  if (!method) {
    if (id === 0) return PONG;
    return { id, unknownMethod: true };
  }
  const parsed = commandMethods[method].safeParse(object[method]);
  if (!parsed.success) throw new DabbaError('bad_request', `invalid ${method} command`);
  if (id === 0 && method !== 'send') throw new DabbaError('bad_request', `${method} command needs an id`);
  return { id, method, request: parsed.data } as Command;
}

export function encodeReply(id: number, method: CommandMethod, result: unknown): string {
  // Method names are plain identifiers: no object to build around the result.
  return `{"id":${id},"${method}":${JSON.stringify(result)}}`;
}

export function encodeError(id: number, error: ProtocolError): string {
  return JSON.stringify({ id, error });
}

export function encodePush(push: Push): string {
  return JSON.stringify({ push });
}

/** The publication as the protocol carries it. Typed domain events carry their type, id and ts as tags. */
export function publicationWire(publication: PreparedPublication): PublicationWire {
  const envelope = publication.envelope;
  const wire: PublicationWire = { data: envelope.data };
  if (publication.offset > 0) wire.offset = publication.offset;
  if (publication.info) wire.info = publication.info;
  if (envelope.type !== DEFAULT_EVENT_TYPE)
    wire.tags = { type: envelope.type, id: envelope.id, ts: String(envelope.ts) };
  return wire;
}

/** The push line for a publication: computed once per publication and shared by all clients. */
export function encodePublicationPush(publication: PreparedPublication): string {
  return encodePush({ channel: publication.channel, pub: publicationWire(publication) });
}

/** The publication's push as a ready WebSocket frame, shared by every subscriber. */
export function encodePublicationFrame(publication: PreparedPublication): TextFrame {
  return TextFrame.fromPayload(encodePublicationPush(publication));
}

export function encodeJoinLeavePush(kind: 'join' | 'leave', channel: string, info: ClientInfo): string {
  return encodePush(kind === 'join' ? { channel, join: { info } } : { channel, leave: { info } });
}

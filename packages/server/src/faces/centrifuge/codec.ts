import {
  DEFAULT_EVENT_TYPE,
  commandMethods,
  plainPublishRequest,
  type ClientInfo,
  type Command,
  type CommandMethod,
  type CommandRequest,
  type Envelope,
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
  const method = methodOf(object);
  if (!method) {
    if (id === 0) return PONG;
    return { id, unknownMethod: true };
  }
  const request = parseRequest(method, object[method]);
  if (id === 0 && method !== 'send') throw new DabbaError('bad_request', `${method} command needs an id`);
  return { id, method, request } as Command;
}

/** The first method, in protocol order, that the command carries. */
function methodOf(command: Record<string, unknown>): CommandMethod | undefined {
  for (const method of METHODS) if (command[method] !== undefined) return method;
  return undefined;
}

/** A command's request, validated against its method's schema; a plain publish needs no schema run. */
function parseRequest(method: CommandMethod, value: unknown): CommandRequest<CommandMethod> {
  const plain = method === 'publish' ? plainPublishRequest(value) : undefined;
  if (plain) return plain;
  const parsed = commandMethods[method].safeParse(value);
  if (!parsed.success) throw new DabbaError('bad_request', `invalid ${method} command`);
  return parsed.data;
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
  if (envelope.type !== DEFAULT_EVENT_TYPE) wire.tags = tagsOf(envelope);
  return wire;
}

/** A typed domain event's type, id and time, as publication tags. */
function tagsOf(envelope: Envelope): Record<string, string> {
  return { type: envelope.type, id: envelope.id, ts: String(envelope.ts) };
}

/**
 * The push line for a publication: computed once per publication and shared by all clients.
 * The same JSON as `encodePush({ channel, pub: publicationWire(publication) })`, concatenated
 * around the data's own JSON: building and walking the two wrapper objects cost a publication
 * half as much again as serializing its data (it runs before the first subscriber's write).
 */
export function encodePublicationPush(publication: PreparedPublication): string {
  const envelope = publication.envelope;
  // `data` is absent from the JSON when undefined, as JSON.stringify would leave it out.
  let fields = envelope.data === undefined ? '' : `,"data":${JSON.stringify(envelope.data)}`;
  if (publication.offset > 0) fields += `,"offset":${publication.offset}`;
  if (publication.info) fields += `,"info":${JSON.stringify(publication.info)}`;
  if (envelope.type !== DEFAULT_EVENT_TYPE) fields += `,"tags":${JSON.stringify(tagsOf(envelope))}`;
  return `{"push":{"channel":${JSON.stringify(publication.channel)},"pub":{${fields.slice(1)}}}}`;
}

/** The publication's push as a ready WebSocket frame, shared by every subscriber. */
export function encodePublicationFrame(publication: PreparedPublication): TextFrame {
  return TextFrame.fromPayload(encodePublicationPush(publication));
}

export function encodeJoinLeavePush(kind: 'join' | 'leave', channel: string, info: ClientInfo): string {
  return encodePush(kind === 'join' ? { channel, join: { info } } : { channel, leave: { info } });
}

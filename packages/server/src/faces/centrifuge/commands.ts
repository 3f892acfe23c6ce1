import {
  DISCONNECT,
  channels,
  type Command,
  type CommandRequest,
  type ConnectResult,
  type SubscribeResult,
} from '@dabba/protocol';
import { DabbaError, toDabbaError } from '../../errors.js';
import type { HubSubscribeResult } from '../../hub/hub.js';
import { publicationWire } from './codec.js';
import type { CentrifugeSession } from './session.js';

/** The result of publish and unsubscribe, which return nothing: one shared object. */
const EMPTY_RESULT = Object.freeze({});

/**
 * Runs one command of a session and writes its reply. Errors thrown (or rejected) become error
 * replies. A command that completes at once returns nothing, so the session can run the next
 * one in the same tick; one that waits on I/O returns its promise.
 */
export function handleCommand(session: CentrifugeSession, command: Command): void | Promise<void> {
  switch (command.method) {
    case 'publish':
      return publish(session, command.id, command.request);
    case 'send':
      // Async messages have no handler in Dabba: domain actions go through rpc.
      return;
    default:
      return handleAsyncCommand(session, command);
  }
}

/** The commands that wait on I/O (the token check, the engine, the domain). */
async function handleAsyncCommand(session: CentrifugeSession, command: Command): Promise<void> {
  const { hub } = session.context;
  switch (command.method) {
    case 'connect':
      return connect(session, command.id, command.request);
    case 'subscribe':
      return subscribe(session, command.id, command.request);
    case 'unsubscribe':
      await hub.unsubscribe(session, command.request.channel);
      return session.reply(command.id, 'unsubscribe', EMPTY_RESULT);
    case 'history':
      return history(session, command.id, command.request);
    case 'presence':
      await ensureMayRead(session, command.request.channel);
      return session.reply(command.id, 'presence', { presence: await hub.presence(command.request.channel) });
    case 'presence_stats': {
      await ensureMayRead(session, command.request.channel);
      const stats = await hub.presenceStats(command.request.channel);
      return session.reply(command.id, 'presence_stats', { num_clients: stats.numClients, num_users: stats.numUsers });
    }
    case 'rpc': {
      const data = await hub.rpc.call(
        command.request.method,
        { claims: session.claims, clientId: session.id },
        command.request.data,
      );
      return session.reply(command.id, 'rpc', data === undefined ? {} : { data });
    }
    case 'refresh':
      return refresh(session, command.id, command.request);
  }
}

/**
 * The next command may start once the publication's order is fixed; the reply follows its
 * confirmation. Fixed at once unless the namespace's authorization rule needs I/O.
 */
function publish(session: CentrifugeSession, id: number, request: CommandRequest<'publish'>): void | Promise<void> {
  const ordered = session.context.hub.clientPublish(session, request.channel, request.data);
  if (ordered instanceof Promise) {
    return ordered.then(({ confirmed }) => session.replyWhenConfirmed(id, 'publish', confirmed, EMPTY_RESULT));
  }
  return session.replyWhenConfirmed(id, 'publish', ordered.confirmed, EMPTY_RESULT);
}

async function connect(session: CentrifugeSession, id: number, request: CommandRequest<'connect'>): Promise<void> {
  const { context } = session;
  if (!session.beginConnect()) return session.disconnect(DISCONNECT.badRequest);
  if (!request.token) return session.disconnect({ code: DISCONNECT.invalidToken.code, reason: 'token required' });
  let claims;
  try {
    claims = await context.verifyToken(request.token);
  } catch (cause) {
    const error = toDabbaError(cause);
    if (error.code !== 'token_expired') return session.disconnect(DISCONNECT.invalidToken);
    // The client fetches a fresh token and connects again.
    session.resetConnect();
    throw error;
  }
  try {
    session.authenticate(claims);
  } catch (cause) {
    if (toDabbaError(cause).code === 'limit_exceeded') return session.disconnect(DISCONNECT.connectionLimit);
    throw cause;
  }
  const userChannel = channels.user(claims.sub);
  const wanted = request.subs?.[userChannel];
  const recover = wanted?.recover && wanted.epoch ? { offset: wanted.offset ?? 0, epoch: wanted.epoch } : undefined;
  const ttl = session.ttlSeconds();
  try {
    await context.hub.subscribe(session, userChannel, { recover }, (result) => {
      const reply: ConnectResult = {
        client: session.id,
        version: context.version,
        ping: Math.round(context.options.pingIntervalMs / 1000),
        pong: true,
        subs: { [userChannel]: subscribeResultWire(result) },
      };
      if (ttl !== undefined) Object.assign(reply, { expires: true, ttl });
      // Over an emulation transport the client addresses its later commands to this session and node.
      const emulation = session.transport.emulation;
      if (emulation) Object.assign(reply, { session: emulation.session, node: emulation.node });
      session.reply(id, 'connect', reply);
    });
  } catch (cause) {
    context.logger.error({ err: cause, client: session.id }, 'server-side subscription failed');
    session.disconnect(DISCONNECT.serverError);
  }
}

async function subscribe(session: CentrifugeSession, id: number, request: CommandRequest<'subscribe'>): Promise<void> {
  const recover = request.recover && request.epoch ? { offset: request.offset ?? 0, epoch: request.epoch } : undefined;
  await session.context.hub.subscribe(session, request.channel, { recover, joinLeave: request.join_leave }, (result) =>
    session.reply(id, 'subscribe', subscribeResultWire(result)),
  );
}

async function history(session: CentrifugeSession, id: number, request: CommandRequest<'history'>): Promise<void> {
  await ensureMayRead(session, request.channel);
  const since = request.since ? { offset: request.since.offset ?? 0, epoch: request.since.epoch ?? '' } : undefined;
  const result = await session.context.hub.history(request.channel, {
    since,
    limit: request.limit ?? 0,
    reverse: request.reverse,
  });
  session.reply(id, 'history', {
    publications: result.publications.map(publicationWire),
    offset: result.offset,
    epoch: result.epoch,
  });
}

async function refresh(session: CentrifugeSession, id: number, request: CommandRequest<'refresh'>): Promise<void> {
  const { context } = session;
  let claims;
  try {
    claims = await context.verifyToken(request.token);
  } catch (cause) {
    if (toDabbaError(cause).code === 'token_expired') throw cause;
    return session.disconnect(DISCONNECT.invalidToken);
  }
  if (claims.sub !== session.claims.sub) return session.disconnect(DISCONNECT.invalidToken);
  session.refreshClaims(claims);
  const ttl = session.ttlSeconds();
  session.reply(id, 'refresh', {
    client: session.id,
    version: context.version,
    expires: ttl !== undefined,
    ...(ttl === undefined ? {} : { ttl }),
  });
}

/** History and presence are for subscribers, or for whoever may subscribe. */
async function ensureMayRead(session: CentrifugeSession, channel: string): Promise<void> {
  if (session.subscriptions.has(channel)) return;
  const namespace = session.context.hub.resolveNamespace(channel);
  if (!(await session.context.hub.authorization.maySubscribe(session.claims, channel, namespace))) {
    throw new DabbaError('permission_denied', `not allowed to read "${channel}"`);
  }
}

export function subscribeResultWire(result: HubSubscribeResult): SubscribeResult {
  if (!result.recoverable) return result.wasRecovering ? { was_recovering: true } : {};
  const wire: SubscribeResult = {
    recoverable: true,
    positioned: true,
    epoch: result.epoch,
    offset: result.offset,
  };
  if (result.publications.length > 0) wire.publications = result.publications.map(publicationWire);
  if (result.wasRecovering) {
    wire.was_recovering = true;
    wire.recovered = result.recovered;
  }
  return wire;
}

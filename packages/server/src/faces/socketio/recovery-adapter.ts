import { Adapter, type Session } from 'socket.io-adapter';
import type { Claims } from '@dabba/protocol';
import { toDabbaError } from '../../errors.js';
import type { Hub } from '../../hub/hub.js';
import type { PreparedPublication } from '../../hub/prepared.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { DeliveryJournal, type JournalState, type StreamPoint } from './journal.js';
import type { SavedSession, SessionStore } from './session-store.js';
import type { Vocabulary } from './vocabulary.js';

type SessionToPersist = Parameters<Adapter['persistSession']>[0];

/** What a recovered socket finds in `socket.data.restored`: the user and the journal after the replay. */
export interface RestoredSession {
  readonly user: string;
  readonly journal: JournalState;
}

/** What the adapter needs from the face. */
export interface RecoveryDeps {
  readonly hub: Hub;
  readonly sessions: SessionStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly journalSize: number;
  /** The live socket's claims and journal, while it is connected. */
  journalOf(namespace: string, sid: string): { claims: Claims; journal: DeliveryJournal } | undefined;
  /** The namespace's vocabulary; undefined for namespaces the face does not serve. */
  vocabularyOf(namespace: string): Vocabulary | undefined;
}

/** Why a session was not recovered; socket.io then connects the client as a new socket. */
class NotRecovered extends Error {
  override readonly name = 'NotRecovered';
}

/**
 * The socket.io adapter of the Socket.IO face: socket.io's in-memory Adapter (rooms stay
 * local; cross-node fan-out is the engine's job), with connection state recovery served from
 * the hub. `persistSession` saves the socket's channels and stream positions in the engine;
 * `restoreSession` reads back where the client stood at the offset it sends, and replays what it
 * missed from each channel's history. If any channel's history no longer reaches back, or
 * changed epoch, nothing is replayed and the client connects as a new socket
 * (`socket.recovered === false`), so the app refetches. Events are never kept in socket.io's
 * own packet buffer.
 */
export function hubRecoveryAdapter(deps: RecoveryDeps): typeof Adapter {
  return class HubRecoveryAdapter extends Adapter {
    override persistSession(session: SessionToPersist): void {
      const live = deps.journalOf(namespaceOf(this), session.sid);
      if (!live) return;
      const saved: SavedSession = {
        sid: session.sid,
        claims: live.claims,
        journal: live.journal.snapshot(),
        savedAtMs: Date.now(),
      };
      deps.sessions.save(namespaceOf(this), session.pid, saved);
    }

    override async restoreSession(pid: string, offset: string): Promise<Session> {
      const vocabulary = deps.vocabularyOf(namespaceOf(this));
      try {
        if (!vocabulary) throw new NotRecovered('namespace without recovery');
        const saved = await deps.sessions.load(namespaceOf(this), pid);
        if (!saved) throw new NotRecovered('no session saved under this id, or it expired');
        const restored = await replay(deps, saved, offset, vocabulary);
        deps.metrics.recovery.inc({ result: 'hit' });
        return {
          sid: saved.sid,
          pid,
          rooms: [],
          data: { restored: { user: saved.claims.sub, journal: restored.journal } satisfies RestoredSession },
          missedPackets: restored.packets,
        };
      } catch (cause) {
        deps.metrics.recovery.inc({ result: 'miss' });
        if (!(cause instanceof NotRecovered) && toDabbaError(cause).code === 'internal')
          deps.logger.error({ err: cause }, 'socket.io session recovery failed');
        else deps.logger.debug({ reason: (cause as Error).message }, 'socket.io session not recovered');
        // socket.io treats a failed restore as "not recovered".
        throw cause;
      }
    }
  };
}

/** socket.io-adapter types `nsp` as any; the namespace's name is all this adapter reads. */
function namespaceOf(adapter: Adapter): string {
  return (adapter.nsp as { name: string }).name;
}

/** The missed events as socket.io packets (name, payload, offset), and the journal after them. */
async function replay(
  deps: RecoveryDeps,
  saved: SavedSession,
  offset: string,
  vocabulary: Vocabulary,
): Promise<{ packets: unknown[][]; journal: JournalState }> {
  const positions = DeliveryJournal.positionsAt(saved.journal, offset);
  if (!positions) throw new NotRecovered('offset outside the saved journal');
  const streams: PreparedPublication[][] = [];
  for (const [channel, position] of positions) {
    // Domain state may have changed while the client was away (a driver taken off the order).
    const namespace = deps.hub.resolveNamespace(channel);
    if (!(await deps.hub.authorization.maySubscribe(saved.claims, channel, namespace)))
      throw new NotRecovered(`${channel}: no longer allowed`);
    streams.push(await missedOn(deps.hub, channel, position));
  }

  // The client stands at `offset`: numbering goes on after the old session's last number.
  const journal = DeliveryJournal.from(
    {
      seq: saved.journal.seq,
      floorSeq: Number(offset),
      bases: Object.fromEntries(positions),
      entries: [],
    },
    deps.journalSize,
  );
  const packets: unknown[][] = [];
  for (const publication of mergeByTime(streams)) {
    const event = vocabulary(publication.envelope);
    if (!event) continue;
    const at = journal.record(publication.channel, { offset: publication.offset, epoch: publication.epoch });
    packets.push([event[0], event[1], at]);
  }
  return { packets, journal: journal.snapshot() };
}

/** What a channel published after `position`; NotRecovered when its history cannot say. */
async function missedOn(hub: Hub, channel: string, position: StreamPoint | null): Promise<PreparedPublication[]> {
  if (!position) throw new NotRecovered(`${channel} keeps no history`);
  let history;
  try {
    history = await hub.history(channel, { since: position, limit: -1 });
  } catch (cause) {
    if (toDabbaError(cause).code === 'internal') throw cause;
    throw new NotRecovered(`${channel}: ${toDabbaError(cause).message}`);
  }
  // A latest-only channel needs just its newest value: having it is a full recovery.
  if (!history.complete && !hub.resolveNamespace(channel).latestOnly)
    throw new NotRecovered(`${channel}: history no longer reaches back`);
  return history.publications;
}

/** One sequence from several channels' streams: each channel's order kept, oldest event first between them. */
function mergeByTime(streams: PreparedPublication[][]): PreparedPublication[] {
  const heads = streams.map(() => 0);
  const out: PreparedPublication[] = [];
  for (;;) {
    let next = -1;
    for (let i = 0; i < streams.length; i++) {
      const candidate = streams[i]?.[heads[i] ?? 0];
      if (!candidate) continue;
      const best = next === -1 ? undefined : streams[next]?.[heads[next] ?? 0];
      if (!best || candidate.envelope.ts < best.envelope.ts) next = i;
    }
    if (next === -1) return out;
    out.push(streams[next]?.[heads[next] ?? 0] as PreparedPublication);
    heads[next] = (heads[next] ?? 0) + 1;
  }
}

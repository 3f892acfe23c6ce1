import type { StreamPosition } from '@dabba/protocol';

/** A channel's position as a stream's event id carries it; undefined for a channel without history. */
export type ChannelPosition = StreamPosition | undefined;

/**
 * Encodes the positions of a stream's channels, in the order of its channel list, as one
 * event id: `offset:epoch` per channel (offset in base 36, epoch URI-encoded), joined by ','.
 * A channel without history has an empty entry. The browser sends the id back as
 * `Last-Event-ID` when it reconnects to the same URL, so the channel names need not be in it.
 */
export function encodePositions(positions: readonly ChannelPosition[]): string {
  return positions.map((p) => (p ? `${p.offset.toString(36)}:${encodeURIComponent(p.epoch)}` : '')).join(',');
}

/**
 * Decodes a `Last-Event-ID` for a stream of `count` channels. Undefined when it is absent;
 * 'invalid' when it does not fit the stream (then every channel is reset).
 */
export function decodePositions(id: string | undefined, count: number): ChannelPosition[] | 'invalid' | undefined {
  if (id === undefined || id === '') return undefined;
  const parts = id.split(',');
  if (parts.length !== count) return 'invalid';
  const positions: ChannelPosition[] = [];
  for (const part of parts) {
    if (part === '') {
      positions.push(undefined);
      continue;
    }
    const colon = part.indexOf(':');
    const offset = colon > 0 ? parseInt(part.slice(0, colon), 36) : NaN;
    if (!Number.isSafeInteger(offset) || offset < 0) return 'invalid';
    let epoch: string;
    try {
      epoch = decodeURIComponent(part.slice(colon + 1));
    } catch {
      return 'invalid';
    }
    positions.push({ offset, epoch });
  }
  return positions;
}

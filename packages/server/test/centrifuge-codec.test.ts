import {
  DEFAULT_EVENT_TYPE,
  plainPublishRequest,
  publishRequestSchema,
  type ClientInfo,
  type Envelope,
} from '@dabba/protocol';
import { describe, expect, it } from 'vitest';
import { encodePublicationPush, encodePush, parseFrame, publicationWire } from '../src/faces/centrifuge/codec.js';
import { PreparedPublication } from '../src/hub/prepared.js';

function publication(
  envelope: Partial<Envelope>,
  offset = 0,
  info: ClientInfo | undefined = undefined,
): PreparedPublication {
  const full: Envelope = {
    id: 'e-1',
    type: DEFAULT_EVENT_TYPE,
    channel: 'chat:1',
    data: null,
    ts: 1_733_000_000_123,
    ...envelope,
  };
  return new PreparedPublication(full.channel, full, offset, offset > 0 ? 'ep0ch' : '', info);
}

describe('the native face codec', () => {
  // The push line is concatenated by hand for speed: it must stay the JSON the wire objects give.
  it('encodes a publication push as the protocol objects would, field for field', () => {
    const cases = [
      publication({ data: { text: 'hi', n: 1 } }),
      publication({ data: 'naïve “quotes” \u2028 \\ "' }, 7),
      publication({ data: [1, { a: null }] }, 0, { client: 'c-1', user: 'u-1' }),
      publication({ data: undefined }, 3, { client: 'c-2', user: 'u-2', conn_info: { x: 1 } }),
      publication({ channel: 'orders:o-1', type: 'order.status', data: { status: 'ready' } }, 12),
      publication({ channel: 'ch"with\\odd', data: 0 }),
    ];
    for (const p of cases) {
      const line = encodePublicationPush(p);
      expect(line).toBe(encodePush({ channel: p.channel, pub: publicationWire(p) }));
      expect(JSON.parse(line)).toEqual({ push: { channel: p.channel, pub: publicationWire(p) } });
    }
  });

  it('tags typed events with their type, id and time', () => {
    const p = publication({ type: 'order.status', id: 'ev-9', data: {} }, 2);
    expect(JSON.parse(encodePublicationPush(p)).push.pub).toEqual({
      data: {},
      offset: 2,
      tags: { type: 'order.status', id: 'ev-9', ts: '1733000000123' },
    });
  });

  // Publish requests skip the schema when they have its usual shape: what is taken so must be
  // exactly what the schema returns, and everything the schema rejects must be left to it.
  it('takes a plain publish request as the schema would, and leaves every other value to it', () => {
    const taken: unknown[] = [
      { channel: 'chat:1', data: { text: 'hi' } },
      { channel: 'chat:1', data: null },
      { channel: 'chat:1', data: [1, 2], extra: true, __proto__: { inherited: 1 } },
    ];
    const leftToTheSchema: unknown[] = [
      { channel: 'chat:1' },
      { channel: '', data: 1 },
      { channel: 7, data: 1 },
      { data: 1 },
      Object.assign([], { channel: 'chat:1', data: 1 }),
      null,
      'chat:1',
      42,
      undefined,
    ];
    for (const value of taken) {
      const plain = plainPublishRequest(value);
      expect(plain).toStrictEqual(publishRequestSchema.parse(value));
    }
    for (const value of leftToTheSchema) expect(plainPublishRequest(value)).toBeUndefined();
  });

  it('parses a frame of commands, publish and others, to the same commands as the schemas do', () => {
    const frame = [
      '{"id":1,"publish":{"channel":"chat:1","data":{"text":"hi"},"extra":1}}',
      '{"id":2,"subscribe":{"channel":"chat:1","recover":true,"offset":3,"epoch":"e"}}',
    ].join('\n');
    expect(parseFrame(frame)).toEqual([
      { id: 1, method: 'publish', request: { channel: 'chat:1', data: { text: 'hi' } } },
      { id: 2, method: 'subscribe', request: { channel: 'chat:1', recover: true, offset: 3, epoch: 'e' } },
    ]);
    expect(() => parseFrame('{"id":4,"publish":{"channel":""}}')).toThrow('invalid publish command');
    expect(() => parseFrame('{"id":5,"publish":[]}')).toThrow('invalid publish command');
    expect(() => parseFrame('{"id":6,"publish":{"channel":"chat:2"}}')).toThrow('invalid publish command');
    expect(() => parseFrame('{"publish":{"channel":"chat:1","data":1}}')).toThrow('publish command needs an id');
  });
});

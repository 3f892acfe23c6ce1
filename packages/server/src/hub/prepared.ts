import type { ClientInfo, Envelope } from '@dabba/protocol';
import type { Publication } from '../engines/engine.js';

/**
 * A publication on its way to local subscribers. Each face encodes it once, however many of
 * its clients receive it: that is what keeps fan-out cheap.
 */
export class PreparedPublication {
  // Most publications reach one face: one slot, and a map only for the others.
  private firstFace: string | undefined;
  private firstEncoding: unknown;
  private moreEncodings: Map<string, unknown> | undefined;

  constructor(
    readonly channel: string,
    readonly envelope: Envelope,
    /** 0 when the channel keeps no history. */
    readonly offset: number,
    readonly epoch: string,
    readonly info: ClientInfo | undefined,
  ) {}

  /** A publication as the engine delivered or stored it, ready for fan-out. */
  static of(channel: string, publication: Publication, epoch: string): PreparedPublication {
    return new PreparedPublication(channel, publication.envelope, publication.offset, epoch, publication.info);
  }

  /** The face's encoding of this publication, computed on first use. */
  encoded<T>(face: string, encode: (publication: PreparedPublication) => T): T {
    if (this.firstFace === face) return this.firstEncoding as T;
    if (this.firstFace === undefined) {
      this.firstFace = face;
      return (this.firstEncoding = encode(this)) as T;
    }
    this.moreEncodings ??= new Map();
    let value = this.moreEncodings.get(face) as T | undefined;
    if (value === undefined) {
      value = encode(this);
      this.moreEncodings.set(face, value);
    }
    return value;
  }
}

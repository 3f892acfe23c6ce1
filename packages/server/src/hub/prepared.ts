import type { ClientInfo, Envelope } from '@dabba/protocol';

/**
 * A publication on its way to local subscribers. Each face encodes it once, however many of
 * its clients receive it: that is what keeps fan-out cheap.
 */
export class PreparedPublication {
  private encodings: Map<string, unknown> | undefined;

  constructor(
    readonly channel: string,
    readonly envelope: Envelope,
    /** 0 when the channel keeps no history. */
    readonly offset: number,
    readonly epoch: string,
    readonly info: ClientInfo | undefined,
  ) {}

  /** The face's encoding of this publication, computed on first use. */
  encoded<T>(face: string, encode: (publication: PreparedPublication) => T): T {
    if (!this.encodings) this.encodings = new Map();
    let value = this.encodings.get(face) as T | undefined;
    if (value === undefined) {
      value = encode(this);
      this.encodings.set(face, value);
    }
    return value;
  }
}

import { EventSource, type EventSourceInit } from 'eventsource';

type Fetch = typeof fetch;

/**
 * A `fetch` for HTTP-based transports (centrifuge-js's SSE and HTTP streaming, the
 * `eventsource` client) that a test can cut: `killAll()` drops every open response stream
 * as a network failure would, `block()` makes new requests fail until `open()`. It also
 * counts the server's pings (`{}` lines) seen on the streams.
 */
export class StreamGate {
  pingsSeen = 0;
  private blocked = false;
  private readonly live = new Set<() => void>();

  readonly fetch: Fetch = async (input, init) => {
    if (this.blocked) throw new TypeError('network down (test gate)');
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer?.aborted) controller.abort(outer.reason);
    outer?.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
    const response = await fetch(input, { ...init, signal: controller.signal });
    if (!response.body) return response;
    let stream: TransformStreamDefaultController<Uint8Array> | undefined;
    const decoder = new TextDecoder();
    const countPings = (chunk: Uint8Array): void => {
      for (const line of decoder.decode(chunk, { stream: true }).split('\n')) {
        if (line === '{}' || line === 'data: {}') this.pingsSeen++;
      }
    };
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        start: (c) => {
          stream = c;
        },
        transform: (chunk, c) => {
          countPings(chunk);
          c.enqueue(chunk);
        },
      }),
    );
    const kill = (): void => {
      this.live.delete(kill);
      try {
        stream?.error(new TypeError('connection dropped (test gate)'));
      } catch {
        // Already closed.
      }
      controller.abort();
    };
    this.live.add(kill);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  /** An EventSource class whose requests go through this gate. */
  eventSourceClass(): typeof EventSource {
    const gateFetch = this.fetch;
    return class GatedEventSource extends EventSource {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, { ...init, fetch: gateFetch });
      }
    };
  }

  block(): void {
    this.blocked = true;
  }

  open(): void {
    this.blocked = false;
  }

  /** Drops every open stream. */
  killAll(): void {
    for (const kill of [...this.live]) kill();
  }
}

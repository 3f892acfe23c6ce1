/** One parsed SSE block: an event (with its fields) or a comment line. */
export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/**
 * A raw SSE client over fetch, for tests that look at the wire: `next()` returns the next
 * block (event or comment), or undefined when the stream ended.
 */
export class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly controller = new AbortController();
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  status = 0;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    const response = await fetch(url, { headers, signal: reader.controller.signal });
    reader.status = response.status;
    reader.reader = response.body?.getReader();
    return reader;
  }

  async next(timeoutMs = 5000): Promise<SseBlock | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end !== -1) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return parseBlock(text);
      }
      if (!this.reader) return undefined;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('timed out waiting for an SSE block');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out waiting for an SSE block')), remaining);
      });
      const { done, value } = await Promise.race([this.reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (done) {
        this.reader = undefined;
        if (this.buffer.trim() === '') return undefined;
        this.buffer += '\n\n';
        continue;
      }
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next block that is an event (comments and `retry:` skipped). */
  async nextEvent(timeoutMs = 5000): Promise<SseBlock | undefined> {
    for (;;) {
      const block = await this.next(timeoutMs);
      if (!block || block.data !== undefined) return block;
    }
  }

  close(): void {
    this.controller.abort();
  }
}

function parseBlock(text: string): SseBlock {
  const block: SseBlock = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      block.comment = line.slice(1).trim();
      continue;
    }
    const colon = line.indexOf(':');
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`;
    else if (field === 'event' || field === 'id' || field === 'retry') block[field] = value;
  }
  return block;
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';

export interface ServerSentEvent {
  readonly type: string;
  readonly data: string;
  readonly id?: string;
  /** When the client received it (Date.now()). */
  readonly receivedAt: number;
}

/**
 * A server-sent events client over real HTTP (fetch), as a browser's EventSource would read the stream:
 * collects events as they arrive and says when the server ended the stream.
 */
export class SseClient {
  readonly events: ServerSentEvent[] = [];
  status = 0;
  contentType: string | null = null;
  ended = false;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  readonly done: Promise<void>;

  private constructor(url: string, headers: Record<string, string>, opened: (client: SseClient) => void) {
    this.done = this.read(url, headers, opened);
  }

  /** Opens the stream; resolves once the response headers are in. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    let client: SseClient | undefined;
    await new Promise<void>((resolve, reject) => {
      client = new SseClient(url, headers, () => resolve());
      client.done.catch(reject);
    });
    return client!;
  }

  private async read(url: string, headers: Record<string, string>, opened: (c: SseClient) => void) {
    try {
      const response = await fetch(url, {
        headers: { Accept: 'text/event-stream', ...headers },
        signal: this.controller.signal,
      });
      this.status = response.status;
      this.contentType = response.headers.get('content-type');
      opened(this);
      if (!response.body) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private parse(block: string): void {
    let type = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    this.events.push({ type, id, data: data.join('\n'), receivedAt: Date.now() });
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The parsed `data` of every event of this type so far. */
  data<T>(type: string): T[] {
    return this.events.filter((e) => e.type === type).map((e) => JSON.parse(e.data) as T);
  }

  /** Waits until `check` holds for the events received, or the stream ends, or the time runs out. */
  async until(check: (client: SseClient) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (this.ended) throw new Error(`The stream ended first; events: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`Condition not met within ${timeoutMs} ms; events: ${this.events.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.controller.abort();
  }
}

/** The base URL of an application listening on an ephemeral port (call `app.listen(0)` first). */
export function baseUrl(app: INestApplication): string {
  const server = app.getHttpServer() as Server;
  const address = server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

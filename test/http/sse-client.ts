/**
 * A small SSE client for the tests: a node:http GET that parses the event stream as it arrives and lets a test
 * wait, with a bound that fails the test, for what it expects.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id: number;
  event: string;
  data: unknown;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retryMs: number | undefined;
  /** Set once the server ended the stream (or the socket closed). */
  ended = false;
  /** The whole body, for answers that are not event streams. */
  text = '';
  #pending = '';
  #waiters = new Set<() => void>();

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly res: IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.text += chunk;
      this.#pending += chunk;
      this.#parse();
      this.#wake();
    });
    const end = (): void => {
      this.ended = true;
      this.#wake();
    };
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
  }

  static open(port: number, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } });
      req.on('response', (res) => resolve(new SseClient(res.statusCode ?? 0, res.headers, res)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Resolves once `predicate` holds; rejects naming `what` if it does not within `timeoutMs`. */
  waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${this.events.length} events, ended=${this.ended}`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  waitForEvents(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.events.length >= count, `${count} events`, timeoutMs);
  }

  waitForEnd(timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.ended, 'the end of the stream', timeoutMs);
  }

  close(): void {
    this.res.destroy();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #parse(): void {
    let end = this.#pending.indexOf('\n\n');
    while (end >= 0) {
      const block = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end + 2);
      this.#block(block);
      end = this.#pending.indexOf('\n\n');
    }
  }

  #block(block: string): void {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else {
        const colon = line.indexOf(':');
        fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
      }
    }
    if (fields.has('retry')) this.retryMs = Number(fields.get('retry'));
    if (fields.has('data')) {
      this.events.push({
        id: Number(fields.get('id')),
        event: fields.get('event') ?? 'message',
        data: JSON.parse(fields.get('data') ?? 'null') as unknown,
      });
    }
  }
}

/** Polls `predicate` (for state without events, like hub stats); rejects naming `what` after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * A stand-in for the Node response an SSE stream writes to, for tests that count writes: it records each `write`
 * and plays a client that reads (bytes leave at once) or one that stopped (bytes pile up in `writableLength`).
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

export class FakeResponse extends EventEmitter {
  status: number | undefined;
  readonly writes: string[] = [];
  ended = false;
  destroyed = false;
  /** Unsent bytes; grows with every write while `reading` is false. */
  writableLength = 0;
  writableNeedDrain = false;
  reading = true;

  writeHead(status: number): this {
    this.status = status;
    return this;
  }

  write(chunk: string): boolean {
    this.writes.push(chunk);
    if (!this.reading) this.writableLength += Buffer.byteLength(chunk);
    return true;
  }

  end(chunk?: string): this {
    if (chunk !== undefined) this.writes.push(chunk);
    this.ended = true;
    this.emit('close');
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.emit('close');
    return this;
  }

  /** The ids of the events in everything written, in order. */
  ids(): number[] {
    return [...this.writes.join('').matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  }

  /** What the hub takes: only the members above are ever used. */
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/**
 * The SSE clients of bench/sse.bench.ts, in a process of their own (each process may hold 20,000 fds; the server
 * needs one per connection and so do the clients). Raw sockets: each writes its GET and counts the events it
 * receives (`\n\n` ends an event; the stream is chunked, whose framing uses `\r\n` only), reading into one shared
 * buffer (`onread`) so counting allocates nothing per read.
 *
 * Started by sse-server-fixtures.ts with an IPC channel; it answers `ClientReply`s to `ClientCommand`s.
 */
import net from 'node:net';

export type ClientCommand =
  /**
   * Opens streams `GET <pathPrefix><i mod customers>/events` for `from` ≤ i < `to`, at most `pending` at a time:
   * with fewer customers than streams, each customer gets several.
   */
  | {
      kind: 'connect'; port: number; from: number; to: number; pathPrefix: string; customers: number;
      authorization: string; pending: number;
    }
  /** Answer `reached` once the events counted over all streams reach `total` (the retry frames included). */
  | { kind: 'await'; total: number }
  /** Answer `cpu`: this process's CPU time so far. */
  | { kind: 'cpu' }
  | { kind: 'close' };

export type ClientReply =
  | { kind: 'connected'; events: number; connectMs: number }
  | { kind: 'reached'; events: number }
  | { kind: 'cpu'; userUs: number; systemUs: number }
  | { kind: 'failed'; message: string };

const LF = 10;
const EVENT_END = Buffer.from('\n\n');

let events = 0;
let target = Number.POSITIVE_INFINITY;
const sockets: net.Socket[] = [];
/** Shared by every socket: a read is counted before the next one can land in it. */
const readBuffer = Buffer.alloc(256 * 1024);

function reply(message: ClientReply): void {
  (process.send as (m: ClientReply) => boolean)(message);
}

function countEvents(nread: number, endedWithLf: boolean): number {
  let found = endedWithLf && readBuffer[0] === LF ? 1 : 0;
  const view = readBuffer.subarray(0, nread);
  for (let at = view.indexOf(EVENT_END); at !== -1; at = view.indexOf(EVENT_END, at + 2)) found++;
  return found;
}

/** Opens one stream; `onFirstEvent` runs once its `retry:` frame arrived (the server has registered it). */
function openStream(command: Extract<ClientCommand, { kind: 'connect' }>, i: number, onFirstEvent: () => void): void {
  let endedWithLf = false;
  let first = true;
  const socket = net.connect({
    port: command.port,
    host: '127.0.0.1',
    onread: {
      buffer: readBuffer,
      // Answering false would pause the socket; the bench always reads on.
      callback(nread: number): boolean {
        const found = countEvents(nread, endedWithLf);
        endedWithLf = readBuffer[nread - 1] === LF;
        if (found === 0) return true;
        events += found;
        if (first) {
          first = false;
          onFirstEvent();
        }
        if (events >= target) {
          target = Number.POSITIVE_INFINITY;
          reply({ kind: 'reached', events });
        }
        return true;
      },
    },
  });
  socket.setNoDelay(true);
  socket.on('error', (error) => reply({ kind: 'failed', message: `stream ${i}: ${error.message}` }));
  socket.write(
    `GET ${command.pathPrefix}${i % command.customers}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Authorization: ${command.authorization}\r\n` +
      'Accept: text/event-stream\r\n\r\n',
  );
  sockets.push(socket);
}

function connectAll(command: Extract<ClientCommand, { kind: 'connect' }>): void {
  const started = performance.now();
  let next = command.from;
  let ready = 0;
  const onFirstEvent = (): void => {
    ready++;
    if (ready === command.to - command.from) {
      reply({ kind: 'connected', events, connectMs: performance.now() - started });
      return;
    }
    if (next < command.to) openStream(command, next++, onFirstEvent);
  };
  while (next < Math.min(command.from + command.pending, command.to)) openStream(command, next++, onFirstEvent);
}

process.on('message', (command: ClientCommand) => {
  switch (command.kind) {
    case 'connect':
      return connectAll(command);
    case 'await':
      if (events >= command.total) return reply({ kind: 'reached', events });
      target = command.total;
      return;
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return reply({ kind: 'cpu', userUs: user, systemUs: system });
    }
    case 'close':
      for (const socket of sockets) socket.destroy();
      process.disconnect();
      return;
  }
});

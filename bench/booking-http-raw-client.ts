/**
 * A minimal HTTP/1.1 client for the booking load: one keep-alive TCP connection, one request in flight at a time (no
 * pipelining), requests written as prebuilt bytes and answers cut by `Content-Length` or chunked encoding, read as
 * latin1 text. It exists because `node:http`'s client spends about as much CPU per request as the server route it
 * measures, and the load shares this machine's two cores with the server: with it the load would measure itself.
 * It handles what ticketd answers (status line, headers, a sized or chunked body); nothing else (no redirects, no
 * 1xx, no trailers beyond skipping them).
 *
 * @example
 * const connection = new RawConnection('127.0.0.1', 8080, 30_000);
 * const answer = await connection.send(rawRequest('POST', '/v1/bookings', '127.0.0.1:8080', { authorization: 'Bearer t' }, '{}'));
 * answer.status; // 201
 * connection.close();
 */
import net from 'node:net';

export interface RawAnswer {
  status: number | 'network';
  body: string;
  error?: string;
}

/** A header block larger than this, or a body, is a broken answer: the connection is dropped. */
const HEAD_BYTES_MAX = 16 * 1024;
const BODY_BYTES_MAX = 256 * 1024;

/**
 * The bytes of one request with a body (or none), ready to write again and again.
 *
 * @example
 * rawRequest('GET', '/health', '127.0.0.1:8080', {}, undefined);
 */
export function rawRequest(method: string, path: string, host: string, headers: Record<string, string>, body: string | undefined): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (body !== undefined) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${head}\r\n${body ?? ''}`);
}

export class RawConnection {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  #socket: net.Socket | undefined;
  #buffer = '';
  #resolve: ((answer: RawAnswer) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(host: string, port: number, timeoutMs: number) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  /** Writes `request` and resolves with its answer (never rejects: a failure is `status: 'network'`). */
  send(request: Buffer): Promise<RawAnswer> {
    if (this.#resolve !== undefined) throw new Error('RawConnection.send while a request is in flight');
    const socket = this.#socket ?? this.#connect();
    return new Promise<RawAnswer>((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(() => this.#fail(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      socket.write(request);
    });
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
  }

  #connect(): net.Socket {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    // A socket given up (closed after `connection: close` or a failure) says nothing about the next request's.
    // The server may close an idle connection between requests (its keep-alive timeout): the next send reconnects.
    socket.on('error', (error) => this.#drop(socket, error.message));
    socket.on('close', () => this.#drop(socket, 'connection closed'));
    this.#socket = socket;
    this.#buffer = '';
    return socket;
  }

  #settle(answer: RawAnswer): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    clearTimeout(this.#timer);
    resolve?.(answer);
  }

  #drop(socket: net.Socket, error: string): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#fail(error);
  }

  #fail(error: string): void {
    if (this.#resolve === undefined) return;
    this.close();
    this.#settle({ status: 'network', body: '', error });
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    const parsed = parseAnswer(this.#buffer);
    if (parsed === undefined) {
      if (this.#buffer.length > HEAD_BYTES_MAX + BODY_BYTES_MAX) this.#fail('answer too large');
      return;
    }
    if (parsed === 'broken') {
      this.#fail(`unreadable answer: ${this.#buffer.slice(0, 200)}`);
      return;
    }
    this.#buffer = this.#buffer.slice(parsed.length);
    if (parsed.close) this.close();
    this.#settle({ status: parsed.status, body: parsed.body });
  }
}

interface Parsed {
  status: number;
  body: string;
  /** Characters of the buffer the answer took. */
  length: number;
  /** The server said `connection: close`. */
  close: boolean;
}

/** One whole answer at the start of `text`; undefined while incomplete; 'broken' when it cannot be one. */
function parseAnswer(text: string): Parsed | 'broken' | undefined {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return text.length > HEAD_BYTES_MAX ? 'broken' : undefined;
  if (!text.startsWith('HTTP/1.1 ')) return 'broken';
  const status = Number(text.slice(9, 12));
  const head = text.slice(0, headEnd).toLowerCase();
  const close = /\r\nconnection: *close/.test(head);
  const start = headEnd + 4;
  const sized = /\r\ncontent-length: *(\d+)/.exec(head);
  if (sized) {
    const end = start + Number(sized[1]);
    return text.length < end ? undefined : { status, body: text.slice(start, end), length: end, close };
  }
  if (!/\r\ntransfer-encoding: *chunked/.test(head)) return { status, body: '', length: start, close };
  return parseChunked(text, start, status, close);
}

function parseChunked(text: string, start: number, status: number, close: boolean): Parsed | 'broken' | undefined {
  let body = '';
  let at = start;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(text.slice(at, eol), 16);
    if (Number.isNaN(size) || body.length + size > BODY_BYTES_MAX) return 'broken';
    if (size === 0) {
      // No trailers are sent by ticketd: the last chunk is followed by an empty line.
      const end = text.indexOf('\r\n', eol + 2);
      return end < 0 ? undefined : { status, body, length: end + 2, close };
    }
    if (text.length < eol + 2 + size + 2) return undefined;
    body += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

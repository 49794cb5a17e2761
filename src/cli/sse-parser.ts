/**
 * An incremental parser of `text/event-stream` (the WHATWG HTML "event stream interpretation"): feed it chunks as
 * they arrive, split anywhere (inside a line, between CR and LF, inside a multi-byte UTF-8 character), and it
 * answers the events each chunk completes. Lines end in CRLF, LF or CR; `:` starts a comment; `data` lines of one
 * event join with LF; `id` (unless it holds NUL) sets the last event id; `retry` (digits only) sets the
 * reconnection time; unknown fields are ignored; an event without data is not dispatched; an incomplete event at
 * the end of the stream is never dispatched.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event` field, or `message` when the event named none. */
  type: string;
  /** Its `data` lines joined with LF. */
  data: string;
  /** The id from this event's own `id` field; `undefined` when it had none. */
  id: string | undefined;
  /** The last event id in force at dispatch (this event's, or an earlier one's): where to resume from. */
  lastEventId: string;
}

export interface SseParserOptions {
  /** Longest line, and longest data of one event, in UTF-16 code units. Beyond it `push` throws. */
  sizeMax: number;
  /** The last event id before this stream starts (a resumed stream inherits it). */
  lastEventId?: string;
}

export type SseParseErrorCode = 'ERR_SSE_TOO_LARGE';

/** The stream broke the parser's bound; the connection should be dropped. */
export class SseParseError extends Error {
  override readonly name = 'SseParseError';
  readonly code: SseParseErrorCode = 'ERR_SSE_TOO_LARGE';
}

const LF = 10;
const CR = 13;

/**
 * @example
 * const parser = new SseParser({ sizeMax: 1 << 20 });
 * parser.push('id: 7\nevent: ticket.issued\nda'); // []
 * parser.push('ta: {"price":500}\n\n');
 * // [{ type: 'ticket.issued', data: '{"price":500}', id: '7', lastEventId: '7' }]
 */
export class SseParser {
  readonly #sizeMax: number;
  readonly #decoder = new TextDecoder('utf-8');
  #line = '';
  #started = false;
  /** The previous chunk ended in CR: an LF starting the next one belongs to that line ending. */
  #skipLf = false;
  #type = '';
  #data = '';
  #ownId: string | undefined;
  #lastEventId: string;
  #retryMs: number | undefined;

  constructor(options: SseParserOptions) {
    if (!Number.isSafeInteger(options.sizeMax) || options.sizeMax < 1) {
      throw new RangeError(`sizeMax must be a positive integer, got ${options.sizeMax}`);
    }
    this.#sizeMax = options.sizeMax;
    this.#lastEventId = options.lastEventId ?? '';
  }

  /** The last event id seen in an `id` field so far (dispatched or not). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The reconnection time the server last asked for with `retry`, in milliseconds. */
  get retryMs(): number | undefined {
    return this.#retryMs;
  }

  /** Feeds one chunk (bytes, decoded as UTF-8 across chunks, or text); answers the events it completed. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (text.length === 0) return [];
    if (!this.#started) {
      this.#started = true;
      // TextDecoder drops a leading BOM itself; text handed in directly may still carry one.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const events: SseEvent[] = [];
    let start = 0;
    if (this.#skipLf) {
      this.#skipLf = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      const line = this.#line + text.slice(start, i);
      this.#line = '';
      this.#checkSize(line.length);
      this.#processLine(line, events);
      if (c === CR) {
        if (i + 1 === text.length) this.#skipLf = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
    }
    if (start < text.length) {
      this.#checkSize(this.#line.length + text.length - start);
      this.#line += text.slice(start);
    }
    return events;
  }

  #checkSize(length: number): void {
    if (length > this.#sizeMax) {
      throw new SseParseError(`event stream line or event longer than ${this.#sizeMax} characters`);
    }
  }

  #processLine(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      this.#dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' starts a comment, such as a heartbeat
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#checkSize(this.#data.length + value.length + 1);
        this.#data += value + '\n';
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.#ownId = value;
          this.#lastEventId = value;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retryMs = Number(value);
        break;
      default:
        break;
    }
  }

  #dispatch(events: SseEvent[]): void {
    const data = this.#data;
    const type = this.#type;
    const id = this.#ownId;
    this.#data = '';
    this.#type = '';
    this.#ownId = undefined;
    if (data.length === 0) return;
    events.push({ type: type === '' ? 'message' : type, data: data.slice(0, -1), id, lastEventId: this.#lastEventId });
  }
}

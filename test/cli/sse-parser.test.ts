import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../src/cli/sse-parser.ts';

function parseAll(chunks: Array<string | Uint8Array>, lastEventId?: string): SseEvent[] {
  const parser = new SseParser({ sizeMax: 10_000, ...(lastEventId === undefined ? {} : { lastEventId }) });
  return chunks.flatMap((chunk) => parser.push(chunk));
}

function ev(type: string, data: string, id: string | undefined, lastEventId: string): SseEvent {
  return { type, data, id, lastEventId };
}

describe('SseParser: fields', () => {
  it('dispatches an event with id, type and data on a blank line', () => {
    expect(parseAll(['id: 42\nevent: ticket.issued\ndata: {"a":1}\n\n'])).toEqual([
      ev('ticket.issued', '{"a":1}', '42', '42'),
    ]);
  });

  it('joins multi-line data with LF and defaults the type to message', () => {
    expect(parseAll(['data: one\ndata:two\ndata\ndata:  four\n\n'])).toEqual([ev('message', 'one\ntwo\n\n four', undefined, '')]);
  });

  it('ignores comments, unknown fields and events without data', () => {
    const events = parseAll([': heartbeat\n\nfoo: bar\n\nevent: x\n\n:\ndata: d\n\n']);
    expect(events).toEqual([ev('message', 'd', undefined, '')]);
  });

  it('dispatches an empty data field as empty data', () => {
    expect(parseAll(['data\n\n', 'data:\n\n'])).toEqual([ev('message', '', undefined, ''), ev('message', '', undefined, '')]);
  });

  it('keeps the last event id across events and on an id-only block', () => {
    const parser = new SseParser({ sizeMax: 1_000, lastEventId: '5' });
    expect(parser.push('data: a\n\n')).toEqual([ev('message', 'a', undefined, '5')]);
    expect(parser.push('id: 6\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('6');
    expect(parser.push('data: b\n\nid\ndata: c\n\n')).toEqual([ev('message', 'b', undefined, '6'), ev('message', 'c', '', '')]);
  });

  it('ignores an id holding NUL', () => {
    expect(parseAll(['id: 1\n\nid: 2\0x\ndata: a\n\n'])).toEqual([ev('message', 'a', undefined, '1')]);
  });

  it('takes retry only when it is all digits', () => {
    const parser = new SseParser({ sizeMax: 1_000 });
    parser.push('retry: 2500\n\nretry: 1e3\nretry: -5\nretry:  7\n\n');
    expect(parser.retryMs).toBe(2500);
  });

  it('accepts CRLF, LF and CR line endings, mixed', () => {
    expect(parseAll(['data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n'])).toEqual([
      ev('message', 'a', undefined, ''),
      ev('message', 'b', undefined, ''),
      ev('message', 'c', undefined, ''),
      ev('message', 'd', undefined, ''),
    ]);
  });

  it('does not read a CR at the end of a chunk followed by LF as two line endings', () => {
    expect(parseAll(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([ev('message', 'a\nb', undefined, '')]);
  });

  it('strips a leading byte order mark once', () => {
    expect(parseAll(['\uFEFFdata: a\n\n\uFEFFdata: b\n\n'])).toEqual([ev('message', 'a', undefined, '')]);
    expect(parseAll([new Uint8Array([0xef, 0xbb, 0xbf]), 'data: a\n\n'])).toEqual([ev('message', 'a', undefined, '')]);
  });

  it('never dispatches an event the stream ended inside', () => {
    expect(parseAll(['data: a\n\ndata: b\n'])).toEqual([ev('message', 'a', undefined, '')]);
  });

  it('throws ERR_SSE_TOO_LARGE for a line or an event beyond sizeMax', () => {
    const small = new SseParser({ sizeMax: 16 });
    expect(() => small.push('data: 0123456789abcdef')).toThrow(expect.objectContaining({ code: 'ERR_SSE_TOO_LARGE' }));
    const data = new SseParser({ sizeMax: 16 });
    const tooLarge = expect.objectContaining({ code: 'ERR_SSE_TOO_LARGE' });
    expect(() => data.push('data: 0123456\ndata: 0123456\ndata: 0\n')).toThrow(tooLarge);
  });

  it('rejects a sizeMax that is not a positive integer', () => {
    expect(() => new SseParser({ sizeMax: 0 })).toThrow(RangeError);
  });
});

describe('SseParser: chunking', () => {
  const stream =
    '\uFEFF: heartbeat\r\nretry: 50\n\nid: 1\nevent: ticket.issued\ndata: {"ride":"ride-b","price":"10.00 €"}\n\n' +
    'id: 2\r\nevent: balance.changed\r\ndata: {"to":"87.50 → €"}\r\n\r\n' +
    ': ping\rdata: multi\rdata: line 🎢\r\r' +
    'id: 3\nevent:ticket.rejected\ndata:  {"reason":"unknown_ride"}\n\n' +
    'data: trailing, never dispatched';
  const bytes = new TextEncoder().encode(stream);
  const expected = [
    ev('ticket.issued', '{"ride":"ride-b","price":"10.00 €"}', '1', '1'),
    ev('balance.changed', '{"to":"87.50 → €"}', '2', '2'),
    ev('message', 'multi\nline 🎢', undefined, '2'),
    ev('ticket.rejected', ' {"reason":"unknown_ride"}', '3', '3'),
  ];

  it('parses the whole stream in one chunk', () => {
    expect(parseAll([bytes])).toEqual(expected);
  });

  it('gives the same events when the bytes are split at every boundary', () => {
    for (let i = 0; i <= bytes.length; i++) {
      expect(parseAll([bytes.subarray(0, i), bytes.subarray(i)]), `split at byte ${i}`).toEqual(expected);
    }
  });

  it('gives the same events fed one byte at a time', () => {
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
    expect(parseAll(chunks)).toEqual(expected);
  });

  it('gives the same events when the bytes are split at every pair of boundaries', () => {
    for (let i = 0; i <= bytes.length; i += 3) {
      for (let j = i; j <= bytes.length; j++) {
        const events = parseAll([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
        if (JSON.stringify(events) !== JSON.stringify(expected)) expect(events, `split at ${i}, ${j}`).toEqual(expected);
      }
    }
  });

  it('gives the same events when text is split at every character', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parseAll([stream.slice(0, i), stream.slice(i)]), `split at char ${i}`).toEqual(expected);
    }
  });

  it('retains the retry field however the stream is split', () => {
    for (let i = 0; i <= 30; i++) {
      const parser = new SseParser({ sizeMax: 1_000 });
      parser.push(bytes.subarray(0, i));
      parser.push(bytes.subarray(i));
      expect(parser.retryMs).toBe(50);
    }
  });
});

/**
 * `ticketd serve --sse-streams-per-customer N`: listed in the usage, refused out of range with exit 2 naming the
 * flag. What the bound does to streams is in sse-multi-stream.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runServe, SERVE_USAGE } from '../../src/cli/serve.ts';
import { STREAMS_PER_CUSTOMER_MAX_DEFAULT } from '../../src/http/sse-hub.ts';
import { DEFAULT_CONFIG } from '../../src/server/start-ticketd.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ticketd serve --sse-streams-per-customer', () => {
  it('defaults to 8 streams and says so in the usage', () => {
    expect(DEFAULT_CONFIG.sseStreamsPerCustomerMax).toBe(STREAMS_PER_CUSTOMER_MAX_DEFAULT);
    expect(STREAMS_PER_CUSTOMER_MAX_DEFAULT).toBe(8);
    expect(SERVE_USAGE).toMatch(
      /--sse-streams-per-customer N\n\s+open event streams one customer may have, 1-1000 \(default 8\)/,
    );
  });

  it.each(['0', '1001', 'many'])('refuses %s with exit 2, naming the flag, before starting anything', async (value) => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    expect(await runServe(['--sse-streams-per-customer', value])).toBe(2);
    expect(stderr).toContain(`--sse-streams-per-customer must be an integer in 1..1000, got '${value}'`);
  });
});

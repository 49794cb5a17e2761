/**
 * A revoked token's event streams end: at once when it is revoked through this server (`DELETE /v1/tokens/:id`),
 * and at the next heartbeat when another process revoked it in the store (`ticketd token revoke`). Streams of other
 * tokens go on, and the revoked token cannot open a new one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from './helpers.ts';
import { HEARTBEAT_MS, liveServer, type LiveServer } from './sse-server.ts';

let s: LiveServer | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

async function revokeOverHttp(server: LiveServer, id: string): Promise<number> {
  const answer = await fetch(`http://127.0.0.1:${server.server.port}/v1/tokens/${id}`, { method: 'DELETE', headers: bearer(server.tokens.admin) });
  return answer.status;
}

describe('event streams of a revoked token', () => {
  it('end at once when the token is revoked through the API; other streams go on; the token opens no new one', async () => {
    s = await liveServer();
    const mine = s.tokens.tokens.createToken({ role: 'customer', customerId: 'c-1' }, s.clock.now());
    const doomed = await s.connect('c-1', bearer(mine.token));
    const other = await s.connect('c-1');
    expect(await revokeOverHttp(s, mine.id)).toBe(204);
    await doomed.waitForEnd();
    expect(other.ended).toBe(false);
    s.engine.publish('c-1');
    await other.waitForEvents(1);
    const again = await fetch(`http://127.0.0.1:${s.server.port}/v1/customers/c-1/events`, { headers: bearer(mine.token) });
    expect(again.status).toBe(401);
    await again.body?.cancel();
  });

  it('end at the next heartbeat when another process revoked the token in the store', async () => {
    s = await liveServer();
    const mine = s.tokens.tokens.createToken({ role: 'customer', customerId: 'c-2' }, s.clock.now());
    const doomed = await s.connect('c-2', bearer(mine.token));
    const other = await s.connect('c-2');
    // Straight in the store, as `ticketd token revoke` on the same database does: this server is not told.
    s.tokens.tokens.revokeToken(mine.id, s.clock.now());
    expect(doomed.ended).toBe(false);
    s.clock.advanceTo(s.clock.now() + HEARTBEAT_MS);
    await doomed.waitForEnd();
    expect(other.ended).toBe(false);
  });
});

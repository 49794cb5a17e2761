/**
 * A person's account on the real binary (`serve --demo --allow-signup`): signing up, logging in, a top-up by the
 * park, the wallet and the inbox, the event stream a browser opens with its session cookie (no Authorization
 * header), streams ended at once by logging out and by an admin disabling the account, and erasing the person while
 * the customer keeps its money and tickets. The heartbeat is an hour, so a stream that ends did not end by a
 * heartbeat's check of its token: it was closed when its session ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openEventStream, readCredentials, startBinary, tap, type DemoCredentials, type RunningBinary } from './binary.ts';

const PASSWORD = 'correct horse battery';

interface Session {
  token: string;
  expiresAt: string;
  csrfToken: string;
  user: { id: string; username: string; customerId?: string };
}

let ticketd: RunningBinary;
let credentials: DemoCredentials;

beforeAll(async () => {
  ticketd = await startBinary({ args: ['--allow-signup', '--heartbeat-ms', '3600000'] });
  credentials = readCredentials(ticketd.dataDir);
});
afterAll(async () => {
  await ticketd?.stop();
});

/** A request carrying only the session cookie (and the CSRF token when given), as a browser's page sends it. */
async function withCookie<T = unknown>(session: Session, method: string, path: string, body?: unknown, csrf?: string) {
  const response = await fetch(`${ticketd.url}${path}`, {
    method,
    headers: {
      cookie: `ticketd_session=${session.token}`,
      ...(csrf !== undefined && { 'x-csrf-token': csrf }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function signUp(username: string): Promise<{ id: string; customerId: string }> {
  const created = await api<{ id: string; customerId: string; role: string }>(`${ticketd.url}/v1/users`, 'POST', {
    username, email: `${username}@example.com`, displayName: `Person ${username}`, password: PASSWORD,
  }, { token: null });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.role).toBe('user');
  return created.body;
}

async function logIn(username: string): Promise<Session> {
  const answer = await api<Session>(`${ticketd.url}/v1/sessions`, 'POST', { username, password: PASSWORD }, { token: null });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

function customerStream(customerId: string, session: Session) {
  // From the start of the log (Last-Event-ID 0), so the stream shows it is live by replaying what the inbox holds.
  return openEventStream(`${ticketd.url}/v1/customers/${customerId}/events`, { lastEventId: 0, headers: { cookie: `ticketd_session=${session.token}` } });
}

describe('a person with an account, on the real binary', () => {
  it('signs up, logs in, is topped up, sees wallet and inbox, streams with the cookie; logging out and disabling end streams; erasing keeps the money', async () => {
    const rosa = await signUp('rosa');
    const session = await logIn('rosa');
    expect(session.user).toMatchObject({ id: rosa.id, username: 'rosa', customerId: rosa.customerId });

    // The park tops up the wallet; a gate sells a ride.
    const topUp = await api(`${ticketd.url}/v1/customers/${rosa.customerId}/top-ups`, 'POST', { topUpId: 'welcome-rosa', amount: 2_000 });
    expect(topUp.status).toBe(201);
    const taps = await api<{ taps: Array<{ status: string; price: number }> }>(`${ticketd.url}/v1/taps`, 'POST',
      [tap('rosa-1', rosa.customerId, 'ride-a')], { token: credentials.machines['gate-1']! });
    expect(taps.body.taps[0]?.status).toBe('issued');
    const balance = 2_000 - taps.body.taps[0]!.price;

    // The wallet, by the session cookie alone.
    const me = await withCookie<{ user: { id: string }; customer: { id: string; balance: number } }>(session, 'GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(rosa.id);
    expect(me.body.customer).toMatchObject({ id: rosa.customerId, balance });
    const customer = await api<{ balance: number }>(`${ticketd.url}/v1/customers/${rosa.customerId}`, 'GET', undefined, { token: session.token });
    expect(customer.body.balance).toBe(balance);

    // The inbox: the top-up and the ticket, unread; marked read up to the newest.
    type Inbox = { notifications: Array<{ id: number; type: string }>; unreadCount: number };
    const inbox = await api<Inbox>(`${ticketd.url}/v1/me/notifications?unread=true`, 'GET', undefined, { token: session.token });
    expect(inbox.status).toBe(200);
    expect(inbox.body.notifications.map((n) => n.type)).toEqual(['ticket.issued', 'balance.changed']);
    expect(inbox.body.unreadCount).toBe(2);
    const newest = inbox.body.notifications[0]!.id;
    expect((await withCookie(session, 'POST', '/v1/me/notifications/read', { upTo: newest })).status).toBe(403);
    const read = await withCookie<{ unreadCount: number }>(session, 'POST', '/v1/me/notifications/read', { upTo: newest }, session.csrfToken);
    expect(read.status).toBe(200);
    expect(read.body.unreadCount).toBe(0);

    // The stream, by the cookie alone; logging out ends it.
    const stream = customerStream(rosa.customerId, session);
    await stream.connected;
    const replayed = await stream.waitFor((e) => e.id === newest, 10_000);
    expect(replayed.event).toBe('ticket.issued');
    const logout = await api(`${ticketd.url}/v1/sessions/current`, 'DELETE', undefined, { token: session.token });
    expect(logout.status).toBe(204);
    expect(await stream.ended).toBe('closed by the server or the network');
    expect((await withCookie(session, 'GET', '/v1/me')).status).toBe(401);

    // Another session's stream; the admin disabling the account ends it.
    const phone = await logIn('rosa');
    const phoneStream = customerStream(rosa.customerId, phone);
    await phoneStream.connected;
    await phoneStream.waitFor((e) => e.id === newest, 10_000);
    const disabled = await api<{ disabledAt?: string }>(`${ticketd.url}/v1/users/${rosa.id}`, 'PATCH', { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabledAt).toBeDefined();
    expect(await phoneStream.ended).toBe('closed by the server or the network');
    expect((await api(`${ticketd.url}/v1/me`, 'GET', undefined, { token: phone.token })).status).toBe(401);
    expect((await api(`${ticketd.url}/v1/sessions`, 'POST', { username: 'rosa', password: PASSWORD }, { token: null })).status).toBe(403);

    // Erasing the person: the account is gone, the customer keeps its balance and tickets, the name is free again.
    const ticketsBefore = await api<{ tickets: unknown[] }>(`${ticketd.url}/v1/customers/${rosa.customerId}/tickets`, 'GET');
    expect(ticketsBefore.body.tickets).toHaveLength(1);
    expect((await api(`${ticketd.url}/v1/users/${rosa.id}`, 'DELETE')).status).toBe(204);
    expect((await api(`${ticketd.url}/v1/users/${rosa.id}`, 'GET')).status).toBe(404);
    const kept = await api<{ balance: number; name: string }>(`${ticketd.url}/v1/customers/${rosa.customerId}`, 'GET');
    expect(kept.status).toBe(200);
    expect(kept.body.balance).toBe(balance);
    expect(kept.body.name).not.toContain('rosa');
    const ticketsAfter = await api<{ tickets: unknown[] }>(`${ticketd.url}/v1/customers/${rosa.customerId}/tickets`, 'GET');
    expect(ticketsAfter.body).toEqual(ticketsBefore.body);
    const list = await api<{ users: Array<{ username: string }> }>(`${ticketd.url}/v1/users?q=rosa`, 'GET');
    expect(list.body.users).toEqual([]);

    const again = await signUp('rosa');
    expect(again.id).not.toBe(rosa.id);
    expect(again.customerId).not.toBe(rosa.customerId);
    expect((await logIn('rosa')).user.id).toBe(again.id);
  });
});

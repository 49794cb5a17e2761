/**
 * The customer's app after a dropped connection (issue 13): the server restarts (same port, same data) while the page
 * is open; a ticket is issued before the page's EventSource is back; on reconnecting, the browser sends
 * `Last-Event-ID` and the server replays what the page missed: the new ticket appears, and nothing the page had
 * already shown appears twice.
 */
import { describe, expect, it } from 'vitest';
import { api, readCredentials, startBinary } from '../blackbox/binary.ts';
import { chromiumMissing, PASSWORD, useBrowserWorld } from './browser.ts';

const world = useBrowserWorld(['--allow-signup']);

describe.skipIf(chromiumMissing !== undefined)('the customer app after a dropped connection', () => {
  it('resumes its stream with Last-Event-ID after a server restart and shows nothing twice', async () => {
    const signup = await api<{ customerId: string }>(`${world.ticketd.url}/v1/users`, 'POST', {
      username: 'bea', email: 'bea@example.com', displayName: 'Bea', password: PASSWORD,
    }, { token: null });
    const customerId = signup.body.customerId;
    expect((await api(`${world.ticketd.url}/v1/customers/${customerId}/top-ups`, 'POST', { topUpId: 'resume-1', amount: 5_000 })).status).toBe(201);

    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${world.ticketd.url}/app`);
    await page.getByLabel('Username or email').fill('bea');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');

    const tapAt = (url: string, tapId: string) => {
      const tap = { tapId, customerId, rideId: 'ride-a', machineId: 'gate-1', tappedAt: new Date().toISOString() };
      return api<{ taps: Array<{ status: string }> }>(`${url}/v1/taps`, 'POST', [tap], { token: readCredentials(world.ticketd.dataDir).machines['gate-1']! });
    };
    expect((await tapAt(world.ticketd.url, 'resume-tap-1')).body.taps[0]).toMatchObject({ status: 'issued' });
    await expect.poll(() => page.getByTestId('notifications').locator('li').count()).toBe(1);

    // The server goes away (its streams are told to come back in 2 s) and comes back on the same port and data.
    const { port } = new URL(world.ticketd.url);
    expect(await world.ticketd.stop('SIGTERM')).toBe(0);
    await expect.poll(() => page.locator('#live').textContent()).toBe('reconnecting…');
    world.ticketd = await startBinary({ dataDir: world.ticketd.dataDir, args: ['--allow-signup', '--port', port] });
    // Issued while the page is still away: only the replay can bring it.
    expect((await tapAt(world.ticketd.url, 'resume-tap-2')).body.taps[0]).toMatchObject({ status: 'issued' });

    await expect.poll(() => page.getByTestId('tickets').locator('li').count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    const notifications = await page.getByTestId('notifications').locator('li').allTextContents();
    expect(notifications.filter((text) => text.startsWith('Ticket for ride-a'))).toHaveLength(2);
    expect(notifications).toHaveLength(2);
    await page.close();
  }, 90_000);
});

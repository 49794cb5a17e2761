/**
 * The operator's console in a real browser (issue 13): Debian's Chromium driven by playwright-core against the real
 * binary. An admin account (made with the demo admin token) logs in through the page's form; a tap on a ride that
 * does not exist yet becomes a dead letter; once the ride exists the operator presses Replay, reads that it was
 * issued, and sees the taps chart move. A customer who logs in is told the console is for staff. The page reads
 * `GET /metrics` with its session cookie (no Authorization header), which this also shows, and a customer's cookie
 * may not. Each booked show has its own chart of places held and sold, which moves as places are held and sold.
 * The gate scanner admits a booked ticket once, on a phone-sized screen.
 *
 * Without Chromium a developer's run skips this file and says why; in CI (`.ci/run` installs Chromium) it fails.
 * `SCREENSHOTS_DIR=docs/screenshots` keeps a screenshot of the page (the README's).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api, readCredentials, tap } from '../blackbox/binary.ts';
import { chromiumMissing, PASSWORD, screenshot, useBrowserWorld, watchProblems } from './browser.ts';

const world = useBrowserWorld(['--allow-signup']);

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto(`${world.ticketd.url}/console`);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const tapsTotal = (page: Page) => page.getByTestId('chart-taps').getAttribute('data-total').then(Number);

describe.skipIf(chromiumMissing !== undefined)('the operator console in Chromium', () => {
  it('an admin replays a dead letter, sees it issued and the taps chart move', async () => {
    const made = await api(`${world.ticketd.url}/v1/users`, 'POST', {
      username: 'olga', email: 'olga@example.com', displayName: 'Olga Operator', password: PASSWORD, role: 'admin',
    });
    expect(made.status).toBe(201);
    const gate = readCredentials(world.ticketd.dataDir).machines['gate-1']!;
    const rejected = await api<{ taps: Array<{ status: string; reason?: string }> }>(
      `${world.ticketd.url}/v1/taps`, 'POST', [tap('console-dl-1', 'customer-6', 'ride-console')], { token: gate });
    expect(rejected.body.taps[0]).toEqual({ tapId: 'console-dl-1', status: 'rejected', reason: 'unknown_ride' });

    const page = await world.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchProblems(page);
    await logIn(page, 'olga');
    await expect.poll(() => page.locator('#scrape').textContent()).toBe('live');
    // The page reads /metrics with its session cookie alone, and the chart has a reading with the rejected tap.
    await expect.poll(() => tapsTotal(page)).toBe(1);
    await expect.poll(() => page.getByTestId('chart-taps').getAttribute('data-latest')).not.toBeNull();
    expect(await page.getByTestId('mailboxes').locator('tbody tr').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('users').textContent()).toContain('olga');
    expect(await page.getByTestId('tokens').locator('li').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('shows').textContent()).toContain('Piano Recital');

    const letter = page.getByTestId('dead-letters').locator('li[data-tap-id="console-dl-1"]');
    await expect.poll(() => letter.textContent()).toContain('unknown ride');
    // Filtered by another reason, the letter is not listed; by its own, it is.
    await page.getByLabel('Reason').selectOption('ride_closed');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => letter.count()).toBe(0);
    await page.getByLabel('Reason').selectOption('unknown_ride');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => letter.count()).toBe(1);

    expect((await api(`${world.ticketd.url}/v1/rides/ride-console`, 'PUT', { name: 'Console Coaster', price: 800, open: true })).status).toBe(201);
    await page.getByRole('button', { name: 'Replay console-dl-1' }).click();
    await expect.poll(() => page.getByTestId('replay-outcome').textContent()).toBe('console-dl-1 replayed: issued, 8.00 EUR');
    await expect.poll(() => letter.textContent()).toContain('replayed');
    expect(await letter.getByRole('button').count()).toBe(0);
    // The replay was decided again: the taps chart's count moves from 1 to 2, and its plot has that second's rate.
    await expect.poll(() => tapsTotal(page)).toBe(2);
    await expect.poll(() => page.getByTestId('chart-taps').getAttribute('data-latest')).toMatch(/^[0-9.]+,/);
    // The commit latency chart reads the histogram every second: a mean and a p99, in milliseconds.
    await expect.poll(() => page.getByTestId('chart-commit').getAttribute('data-latest')).toMatch(/^[0-9.]+,[0-9.]+$/);
    expect(await page.getByTestId('chart-commit').locator('.latest').textContent()).toMatch(/^mean: [0-9.]+ ms · p99: [0-9.]+ ms$/);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('tells a customer who logs in that the console is for staff', async () => {
    const signup = await api(`${world.ticketd.url}/v1/users`, 'POST', {
      username: 'carl', email: 'carl@example.com', displayName: 'Carl Customer', password: PASSWORD,
    }, { token: null });
    expect(signup.status).toBe(201);
    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    await logIn(page, 'carl');
    await expect.poll(() => page.locator('#not-staff').isVisible()).toBe(true);
    expect(await page.locator('#staff').isVisible()).toBe(false);
    // Nor may a customer's session cookie read the metrics the console charts.
    expect(await page.evaluate(async () => (await fetch('/metrics')).status)).toBe(403);
    await page.close();
  }, 60_000);

  it('each show has a live chart of its places held and sold, and it moves as people book', async () => {
    const book = (payment?: { method: 'wallet' }) => api<{ status: string }>(`${world.ticketd.url}/v1/bookings`, 'POST', {
      customerId: 'customer-2', showId: 'demo-recital', items: [{ categoryId: 'stalls', quantity: 2 }], ...(payment && { payment }),
    });
    const topUp = await api(`${world.ticketd.url}/v1/customers/customer-2/top-ups`, 'POST', { topUpId: 'console-charts', amount: 50_000 });
    expect(topUp.status).toBe(201);
    // The show's inventory actor starts at its first booking; from then on the metrics carry its places.
    expect((await book({ method: 'wallet' })).body.status).toBe('confirmed');
    const page = await world.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, 'olga');
    const chart = page.getByTestId('show-charts').locator('figure[data-show="demo-recital"]');
    const latest = async () => (await chart.getAttribute('data-latest'))?.split(',').map(Number);
    await expect.poll(latest).toBeDefined();
    const [held, sold] = (await latest())!;
    expect(sold).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#show-charts-empty').isVisible()).toBe(false);
    // Two places held (no payment yet) and two sold: the chart's next readings show both.
    expect((await book()).body.status).toBe('held');
    expect((await book({ method: 'wallet' })).body.status).toBe('confirmed');
    await expect.poll(latest).toEqual([held! + 2, sold! + 2]);
    expect(await chart.locator('.latest').textContent()).toBe(`held: ${held! + 2} · sold: ${sold! + 2}`);
    // The README's picture, taken after a few seconds of gate traffic so that its charts have lines to show.
    if (process.env.SCREENSHOTS_DIR !== undefined) {
      const gate = readCredentials(world.ticketd.dataDir).machines['gate-1']!;
      for (let round = 0; round < 6; round++) {
        const taps = Array.from({ length: 30 }, (_, i) => tap(`picture-${round}-${i}`, i % 3 === 0 ? 'customer-3' : 'nobody', 'ride-a'));
        await api(`${world.ticketd.url}/v1/taps`, 'POST', taps, { token: gate });
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
      await screenshot(page, 'console');
    }
    await page.close();
  }, 60_000);

  it('the scanner checks a ticket in and says so in large type; a second scan says it was used', async () => {
    const booked = await api<{ status: string; tickets: Array<{ secret: string }> }>(`${world.ticketd.url}/v1/bookings`, 'POST', {
      customerId: 'customer-1', showId: 'demo-open-air', items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'wallet' },
    });
    expect([booked.status, booked.body.status]).toEqual([201, 'confirmed']);
    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    await logIn(page, 'olga');
    await expect.poll(() => page.locator('#staff').isVisible()).toBe(true);
    await page.getByLabel('Ticket secret').fill(booked.body.tickets[0]!.secret);
    await page.getByLabel('Gate', { exact: true }).fill('north-1');
    await page.getByRole('button', { name: 'Check in' }).click();
    await expect.poll(() => page.getByTestId('scan-answer').textContent()).toBe('ADMIT');
    await page.getByRole('button', { name: 'Check in' }).click();
    await expect.poll(() => page.getByTestId('scan-answer').textContent()).toMatch(/^ALREADY USED \(first at north-1, /);
    // The shows list counts it: one ticket of the open-air night let in.
    await page.reload();
    await expect.poll(() => page.locator('[data-show="demo-open-air"] .checked-in').textContent()).toMatch(/^ · checked in 1 of \d+$/);
    await page.close();
  }, 60_000);
});

/**
 * Booking in the customer's app (issue 13), in Debian's Chromium driven by playwright-core against the real binary
 * (`serve --demo --allow-signup`, the simulated card provider told never to decline). A person signs up through the
 * page, an admin tops their wallet up, and they open the seated recital, pick two seats (one with the mouse, one
 * with the keyboard), book them with the wallet and get two tickets, each with its QR code, and a lower balance; a
 * card booking answers held (with its countdown) and turns confirmed live when the provider's webhook lands; the
 * wallet booking is cancelled and its money comes back. Another person joins the waiting list of a sold-out show,
 * sees the offer arrive over the stream when the place comes back, and pays it.
 *
 * Without Chromium a developer's run skips this file and says why; in CI (`.ci/run` installs Chromium) it fails.
 * `SCREENSHOTS_DIR=docs/screenshots` keeps a screenshot of the booked show (the README's).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api } from '../blackbox/binary.ts';
import { chromiumMissing, PASSWORD, screenshot, useBrowserWorld, watchProblems } from './browser.ts';

const world = useBrowserWorld(['--allow-signup', '--card-failure-rate', '0']);

/** Signs a new person up through the page's form and answers their customer id once their wallet shows. */
async function signUp(page: Page, username: string, displayName: string): Promise<string> {
  await page.goto(`${world.ticketd.url}/app`);
  await page.getByText('New here? Sign up').click();
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Email', { exact: true }).fill(`${username}@example.com`);
  await page.getByLabel('Your name').fill(displayName);
  await page.getByLabel('Password (12 characters or more)').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect.poll(() => page.getByTestId('balance').textContent()).toBe('0.00 EUR');
  await expect.poll(() => page.locator('#live').textContent()).toBe('live');
  const me = await page.evaluate(() => fetch('/v1/me').then((response) => response.json() as Promise<{ customerId: string }>));
  return me.customerId;
}

/** An admin tops a customer's wallet up, and the page shows the new balance. */
async function topUp(page: Page, customerId: string, amount: number, balance: string): Promise<void> {
  const answer = await api(`${world.ticketd.url}/v1/customers/${customerId}/top-ups`, 'POST', { topUpId: `browser-${customerId}-${amount}`, amount });
  expect(answer.status).toBe(201);
  await expect.poll(() => page.getByTestId('balance').textContent()).toBe(balance);
}

/**
 * Every status the booking panel shows from now on, with its countdown when there is one, recorded in the page as
 * it changes (a script string: this project's Node types have no DOM).
 */
const RECORD_STATUSES = `(() => {
  const now = () => (document.querySelector('[data-testid="booking-status"]')?.textContent ?? '') +
    (document.querySelector('[data-testid="hold-countdown"]') === null ? '' : ' with countdown');
  const seen = [now()];
  window.statusesSeen = seen;
  new MutationObserver(() => {
    if (seen.at(-1) !== now()) seen.push(now());
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})()`;

async function recordStatuses(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(RECORD_STATUSES);
  return async () => (await page.evaluate<string[]>('window.statusesSeen')).slice(1);
}

describe.skipIf(chromiumMissing !== undefined)('booking in the customer app in Chromium', () => {
  it('books two picked seats with the wallet and gets their QR codes; a card booking turns confirmed live; cancels', async () => {
    // A phone-sized screen.
    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems = watchProblems(page);
    const customerId = await signUp(page, 'grace', 'Grace Hopper');
    await topUp(page, customerId, 20_000, '200.00 EUR');

    // The shows, and the seated recital's seat map.
    await expect.poll(() => page.getByTestId('shows').textContent()).toContain('Open Air Night');
    expect(await page.getByTestId('shows').textContent()).toContain('on sale');
    await page.getByRole('button', { name: 'Piano Recital' }).click();
    await expect.poll(() => page.locator('#show-title').textContent()).toBe('Piano Recital');
    expect(await page.getByTestId('show').textContent()).toContain('30 available · 0 held · 0 sold');

    // One seat with the mouse, the next with the keyboard.
    await page.getByRole('button', { name: 'Seat B-4', exact: true }).click();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('selection').textContent()).toBe('2 picked: B-4, B-5 · 90.00 EUR');
    expect(await page.getByRole('button', { name: 'Seat B-5', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Book picked seats' }).click();

    await expect.poll(() => page.getByTestId('booking-status').textContent()).toBe('confirmed');
    const tickets = page.getByTestId('booking-tickets').locator('li');
    await expect.poll(() => tickets.count()).toBe(2);
    for (const ticket of await tickets.all()) expect(await ticket.locator('svg').count()).toBe(1);
    expect(await tickets.allTextContents()).toEqual([expect.stringContaining('Seat B-4'), expect.stringContaining('Seat B-5')]);
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('110.00 EUR');
    // The seats are taken now, on the map as in the counts.
    await expect.poll(() => page.getByRole('button', { name: 'Seat B-4, taken' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('show').textContent()).toContain('28 available · 0 held · 2 sold');
    const walletBooking = await page.getByTestId('bookings').locator('li').first().getAttribute('data-booking');
    await screenshot(page, 'booking');

    // By card: held (counting down) until the simulated provider's webhook, then confirmed, live over the stream.
    const statuses = await recordStatuses(page);
    await page.getByLabel('Card').check();
    await page.getByLabel('Category', { exact: true }).selectOption('balcony');
    await page.getByLabel('Places').fill('1');
    await page.getByRole('button', { name: 'Book best available' }).click();
    await expect.poll(statuses, { timeout: 15_000 }).toEqual(['held with countdown', 'confirmed']);
    await expect.poll(() => page.getByTestId('booking-tickets').locator('li svg').count()).toBe(1);
    expect(await page.getByTestId('booking-tickets').textContent()).toContain('Seat D-');
    expect(await page.getByTestId('balance').textContent()).toBe('110.00 EUR');

    // Cancel the wallet booking: its seats come back and so does the money.
    await page.getByRole('button', { name: `Open booking ${walletBooking}` }).click();
    await expect.poll(() => page.getByTestId('booking-tickets').locator('li').count()).toBe(2);
    await page.getByRole('button', { name: 'Cancel booking' }).click();
    await expect.poll(() => page.getByTestId('booking-status').textContent()).toBe('cancelled');
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('200.00 EUR');
    await expect.poll(() => page.getByRole('button', { name: 'Seat B-4', exact: true }).isEnabled()).toBe(true);

    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('joins a sold-out show\'s waiting list, sees the offer arrive when a place comes back, and pays it', async () => {
    const show = await api(`${world.ticketd.url}/v1/shows/tiny-club`, 'PUT', {
      name: 'Tiny Club', venue: 'Back Room', location: 'Utrecht', startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      status: 'on_sale', categories: [{ id: 'floor', name: 'Floor', price: 1_500, capacity: 1 }],
    });
    expect(show.status).toBe(201);
    // Someone else holds the only place.
    const other = await api<{ id: string; status: string }>(`${world.ticketd.url}/v1/bookings`, 'POST',
      { customerId: 'customer-1', showId: 'tiny-club', items: [{ categoryId: 'floor', quantity: 1 }] });
    expect(other.body.status).toBe('held');

    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems = watchProblems(page);
    const customerId = await signUp(page, 'linus', 'Linus Torvalds');
    await topUp(page, customerId, 5_000, '50.00 EUR');
    await page.getByRole('button', { name: 'Tiny Club' }).click();
    await expect.poll(() => page.getByTestId('show').textContent()).toContain('Sold out');
    await page.getByLabel('Places').fill('1');
    await page.getByRole('button', { name: 'Join the waiting list' }).click();
    await expect.poll(() => page.getByTestId('waiting-list').textContent()).toContain('You are on the waiting list');

    // The place comes back: it is held for the first in line, who is told over the stream and pays.
    const cancelled = await api(`${world.ticketd.url}/v1/bookings/${other.body.id}/cancel`, 'POST');
    expect(cancelled.status).toBe(200);
    await expect.poll(() => page.getByTestId('booking').textContent()).toContain('held for you from the waiting list');
    expect(await page.getByTestId('booking-status').textContent()).toBe('held');
    expect(await page.getByTestId('hold-countdown').textContent()).toMatch(/^Held for \d+:\d\d$/);
    await page.getByRole('button', { name: 'Pay with wallet' }).click();
    await expect.poll(() => page.getByTestId('booking-status').textContent()).toBe('confirmed');
    await expect.poll(() => page.getByTestId('booking-tickets').locator('li svg').count()).toBe(1);
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('35.00 EUR');
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});

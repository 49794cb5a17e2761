/**
 * The customer's app in a real browser (issue 13): Debian's Chromium driven by playwright-core against the real
 * binary. A person logs in through the page's form and watches their wallet: a top-up and a ticket issued at a gate
 * (posted to the API meanwhile) arrive over the page's EventSource and update the balance, the notifications and the
 * tickets without a reload, each shown once; the customer then tops their wallet up by card from the page, and
 * the page follows the payment until the provider's webhook credits it.
 *
 * Without Chromium a developer's run skips this file and says why; in CI (`.ci/run` installs Chromium) it fails.
 * `SCREENSHOTS_DIR=docs/screenshots` keeps a screenshot of the page (the README's).
 */
import { describe, expect, it } from 'vitest';
import { api, readCredentials } from '../blackbox/binary.ts';
import { chromiumMissing, PASSWORD, screenshot, useBrowserWorld, watchProblems } from './browser.ts';

// Every card accepted: the top-up from the page is decided by the provider's webhook, never declined at random.
const world = useBrowserWorld(['--allow-signup', '--card-failure-rate', '0']);

describe.skipIf(chromiumMissing !== undefined)('the customer app in Chromium', () => {
  it('logs in, and shows a top-up and a ticket issued at a gate live, each once', async () => {
    const signup = await api<{ customerId: string }>(`${world.ticketd.url}/v1/users`, 'POST', {
      username: 'ada', email: 'ada@example.com', displayName: 'Ada Lovelace', password: PASSWORD,
    }, { token: null });
    expect(signup.status).toBe(201);
    const customerId = signup.body.customerId;

    // A phone-sized screen.
    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems = watchProblems(page);
    await page.goto(`${world.ticketd.url}/app`);
    await page.getByLabel('Username or email').fill('ada');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('0.00 EUR');
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');

    const topUp = await api(`${world.ticketd.url}/v1/customers/${customerId}/top-ups`, 'POST', { topUpId: 'browser-1', amount: 2_000 });
    expect(topUp.status).toBe(201);
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('20.00 EUR');

    const gate = readCredentials(world.ticketd.dataDir).machines['gate-1']!;
    const tap = { tapId: 'browser-tap-1', customerId, rideId: 'ride-a', machineId: 'gate-1', tappedAt: new Date().toISOString() };
    const answer = await api<{ taps: Array<{ status: string; price: number; balanceAfter: number }> }>(`${world.ticketd.url}/v1/taps`, 'POST', [tap], { token: gate });
    expect(answer.body.taps[0]).toMatchObject({ status: 'issued' });
    const { price, balanceAfter } = answer.body.taps[0]!;
    await expect.poll(() => page.getByTestId('tickets').locator('li').count()).toBe(1);
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe(`${(balanceAfter / 100).toFixed(2)} EUR`);
    expect(await page.getByTestId('tickets').textContent()).toContain(`${(price / 100).toFixed(2)} EUR`);
    const notifications = await page.getByTestId('notifications').locator('li').allTextContents();
    expect(notifications).toEqual([`Ticket for ride-a: ${(price / 100).toFixed(2)} EUR`, 'Balance topped up: 20.00 EUR']);
    await screenshot(page, 'app');

    // The same tap sent again is a duplicate: nothing new on the page.
    await api(`${world.ticketd.url}/v1/taps`, 'POST', [tap], { token: gate });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await page.getByTestId('tickets').locator('li').count()).toBe(1);

    // The customer tops up from the page by card: pending until the provider's webhook, then the balance and a
    // notification follow.
    await page.getByLabel('Amount to top up').selectOption('5000');
    await page.getByRole('button', { name: 'Top up by card' }).click();
    await expect.poll(() => page.getByTestId('topup-status').textContent()).toBe('Topped up 50.00 EUR.');
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe(`${((balanceAfter + 5_000) / 100).toFixed(2)} EUR`);
    await expect.poll(() => page.getByTestId('notifications').locator('li').first().textContent())
      .toBe(`Balance topped up: ${((balanceAfter + 5_000) / 100).toFixed(2)} EUR`);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('opens with a customer token instead of an account, follows the stream by the cookie, and forgets the token at log out', async () => {
    const credentials = readCredentials(world.ticketd.dataDir);
    const token = credentials.customers['customer-2']!;
    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems = watchProblems(page);
    await page.goto(`${world.ticketd.url}/app`);
    await page.getByText('Have a customer token? Open with it').click();
    await page.getByLabel('Customer token').fill(token);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const balance = (await api<{ balance: number }>(`${world.ticketd.url}/v1/customers/customer-2`, 'GET')).body.balance;
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe(`${(balance / 100).toFixed(2)} EUR`);
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    // The token is in an HttpOnly cookie, not in the page's reach.
    expect(await page.evaluate('document.cookie')).not.toContain(token);

    const tap = { tapId: 'browser-token-1', customerId: 'customer-2', rideId: 'ride-a', machineId: 'gate-1', tappedAt: new Date().toISOString() };
    const answer = await api<{ taps: Array<{ status: string }> }>(`${world.ticketd.url}/v1/taps`, 'POST', [tap], { token: credentials.machines['gate-1']! });
    expect(answer.body.taps[0]).toMatchObject({ status: 'issued' });
    await expect.poll(() => page.getByTestId('notifications').locator('li').count()).toBe(1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    // Forgotten by this browser, still good for its owner.
    expect((await api(`${world.ticketd.url}/v1/me`, 'GET', undefined, { token })).status).toBe(200);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});

/**
 * Both pages checked for accessibility in a real browser (issue 13: "accessible: labels, contrast, keyboard"):
 * axe-core, the rules engine browsers' own audits use, runs in Chromium against the real binary's pages in each
 * state a person sees — the app's login, its wallet with a show's seat map and a booked ticket's QR code on a phone;
 * the console's login and its staff view with charts, lists and the scanner on a desktop — for the WCAG 2.1 A and AA
 * rules (contrast among them), and must find nothing. axe runs through the DevTools protocol, outside the pages'
 * Content-Security-Policy, which stays as strict as ever. The login forms are also walked with the keyboard alone.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api } from '../blackbox/binary.ts';
import { chromiumMissing, PASSWORD, useBrowserWorld } from './browser.ts';

const world = useBrowserWorld(['--allow-signup', '--card-failure-rate', '0']);
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface Violation { id: string; impact: string | null; help: string; targets: string[] }

/** What axe finds on the page as it is now, each rule with the first few elements it fails on. */
async function violations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE);
  return page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_21_AA)} } })
    .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`);
}

/** The element that has the keyboard's focus: its id, or its text when it has none. */
const focused = (page: Page) => page.evaluate('document.activeElement?.id || document.activeElement?.textContent?.trim()');

describe.skipIf(chromiumMissing !== undefined)('accessibility of the pages (axe-core, WCAG 2.1 AA)', () => {
  it('the customer\'s app: login, and the wallet with a seat map and a ticket\'s QR code, on a phone', async () => {
    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${world.ticketd.url}/app`);
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(await violations(page)).toEqual([]);

    // The keyboard alone reaches the login form's fields and its button, in reading order.
    await page.getByLabel('Username or email').focus();
    await page.keyboard.type('ada-keys');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('login-password');

    const signup = await api<{ customerId: string }>(`${world.ticketd.url}/v1/users`, 'POST', {
      username: 'axel', email: 'axel@example.com', displayName: 'Axel Access', password: PASSWORD,
    }, { token: null });
    expect(signup.status).toBe(201);
    expect((await api(`${world.ticketd.url}/v1/customers/${signup.body.customerId}/top-ups`, 'POST', { topUpId: 'axe-1', amount: 20_000 })).status).toBe(201);
    await page.getByLabel('Username or email').fill('axel');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('200.00 EUR');
    await page.getByRole('button', { name: 'Piano Recital' }).click();
    await expect.poll(() => page.locator('#show-title').textContent()).toBe('Piano Recital');
    await page.getByRole('button', { name: 'Seat C-2', exact: true }).click();
    await page.getByRole('button', { name: 'Book picked seats' }).click();
    await expect.poll(() => page.getByTestId('booking-status').textContent()).toBe('confirmed');
    await expect.poll(() => page.getByTestId('booking-tickets').locator('svg').count()).toBe(1);
    expect(await violations(page)).toEqual([]);

    // The check sees what it should: a field without a label, added here, and pale text on white, are reported.
    await page.evaluate(`document.body.append(Object.assign(document.createElement('input'), { id: 'unlabelled' }),
      Object.assign(document.createElement('p'), { id: 'pale', textContent: 'pale', style: 'color:#bbb;background:#fff' }))`);
    const found = await violations(page);
    expect(found.map((v) => v.id).sort()).toEqual(['color-contrast', 'label']);
    expect(found.flatMap((v) => v.targets).sort()).toEqual(['#pale', '#unlabelled']);
    await page.close();
  }, 60_000);

  it('the operator\'s console: login, and the staff view with charts, lists and the scanner, on a desktop', async () => {
    const made = await api(`${world.ticketd.url}/v1/users`, 'POST', {
      username: 'ona', email: 'ona@example.com', displayName: 'Ona Operator', password: PASSWORD, role: 'admin',
    });
    expect(made.status).toBe(201);
    const page = await world.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${world.ticketd.url}/console`);
    await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(await violations(page)).toEqual([]);

    // Logged in with the keyboard alone: type, Tab to the password, Enter.
    await page.getByLabel('Username or email').focus();
    await page.keyboard.type('ona');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('login-password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#scrape').textContent()).toBe('live');
    await expect.poll(() => page.getByTestId('show-charts').locator('figure').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('chart-taps').getAttribute('data-latest')).not.toBeNull();
    expect(await violations(page)).toEqual([]);
    await page.close();
  }, 60_000);
});

/**
 * The console's gate scanner reads a ticket's QR code from the camera (issue 13), in Debian's Chromium driven by
 * playwright-core against the real binary. A ticket is booked and paid through the API; its secret is painted as a
 * QR code into a Y4M video that Chromium plays as its camera (`--use-fake-device-for-media-stream` with
 * `--use-file-for-fake-video-capture`, the permission granted by `--use-fake-ui-for-media-stream`). An admin logs in
 * to /console, presses "Scan with the camera", and the page reads the code, checks the ticket in once (though the
 * code stays in view) and says ADMIT in large type; Stop camera ends every track. In a Chromium without a camera the
 * same button says so instead. Hiding the page and logging out stop the camera too.
 *
 * Without Chromium a developer's run skips this file and says why; in CI (`.ci/run` installs Chromium) it fails.
 * `SCREENSHOTS_DIR=docs/screenshots` keeps a screenshot of the scanner reading the code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../blackbox/binary.ts';
import { qrVideo } from '../support/y4m.ts';
import { chromiumMissing, launchChromium, PASSWORD, screenshot, useBrowserWorld, watchProblems } from './browser.ts';

const world = useBrowserWorld([]);
/** Playwright's waits, each bounded: long enough for a shared 2-core machine to start a camera and read a frame. */
const WAIT = { timeout: 15_000 };
const SHOW = 'demo-open-air';

let videoDir: string;
let cameraBrowser: Browser | undefined;
let secret: string;

beforeAll(async () => {
  if (chromiumMissing !== undefined) return;
  const made = await api(`${world.ticketd.url}/v1/users`, 'POST', {
    username: 'gina', email: 'gina@example.com', displayName: 'Gina Gate', password: PASSWORD, role: 'admin',
  });
  expect(made.status).toBe(201);
  const booked = await api<{ status: string; tickets: Array<{ secret: string }> }>(`${world.ticketd.url}/v1/bookings`, 'POST', {
    customerId: 'customer-1', showId: SHOW, items: [{ categoryId: 'floor', quantity: 1 }], payment: { method: 'wallet' },
  });
  expect([booked.status, booked.body.status, booked.body.tickets.length]).toEqual([201, 'confirmed', 1]);
  secret = booked.body.tickets[0]!.secret;
  videoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-camera-'));
  const video = path.join(videoDir, 'ticket.y4m');
  fs.writeFileSync(video, qrVideo(secret, { width: 640, height: 480, frames: 5, frameRate: 10, modulePx: 7 }));
  cameraBrowser = await launchChromium([
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`,
  ]);
}, 60_000);

afterAll(async () => {
  await cameraBrowser?.close();
  if (videoDir !== undefined) fs.rmSync(videoDir, { recursive: true, force: true });
});

async function logIn(page: Page): Promise<void> {
  await page.goto(`${world.ticketd.url}/console`);
  await page.getByLabel('Username or email').fill('gina');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect.poll(() => page.locator('#staff').isVisible(), WAIT).toBe(true);
}

/** Keeps the stream the camera's video shows now, so that it can be looked at after the video has let it go. */
async function keepStream(page: Page): Promise<void> {
  await page.evaluate("window.cameraStream = document.getElementById('camera-video').srcObject");
}

/** How many tracks of the kept stream are still live (0: the camera is off). */
function liveTracks(page: Page): Promise<number> {
  return page.evaluate("window.cameraStream.getTracks().filter((track) => track.readyState === 'live').length");
}

describe.skipIf(chromiumMissing !== undefined)('the console scanner reads a QR code from the camera in Chromium', () => {
  it('reads the ticket held up to the camera, checks it in once, says ADMIT; Stop, a hidden page and logging out end the camera', async () => {
    const page = await cameraBrowser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchProblems(page);
    const checkIns: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/check-ins') checkIns.push(request.postData() ?? '');
    });
    await logIn(page);
    const video = page.getByTestId('camera-video');
    const status = page.getByTestId('camera-status');
    expect(await video.isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await expect.poll(() => page.getByTestId('scan-answer').textContent(), WAIT).toBe('ADMIT');
    // The secret the camera read is in the field, and was checked in through the form's own path.
    expect(await page.getByLabel('Ticket secret').inputValue()).toBe(secret);
    expect(['native', 'jsqr']).toContain(await video.getAttribute('data-decoder'));
    expect(await video.isVisible()).toBe(true);
    await screenshot(page, 'console-scanner-camera');

    // The code stays in front of the camera (the fake camera loops the video): once the pause after a read is over
    // the page reads it again and says so, and sends no second check-in.
    await expect.poll(() => status.textContent(), WAIT).toBe('that ticket was just read: show the next one');
    expect(checkIns.length).toBe(1);
    expect(JSON.parse(checkIns[0]!)).toMatchObject({ secret, gateId: 'console' });
    const list = await api<{ checkedInTicketIds: string[] }>(`${world.ticketd.url}/v1/shows/${SHOW}/check-in-list`, 'GET');
    expect(list.body.checkedInTicketIds.length).toBe(1);
    expect(await page.getByTestId('scan-answer').textContent()).toBe('ADMIT');

    // Stop ends every track of the stream the video showed, and the video lets it go.
    await keepStream(page);
    expect(await liveTracks(page)).toBe(1);
    await page.getByRole('button', { name: 'Stop camera' }).click();
    await expect.poll(() => status.textContent(), WAIT).toBe('camera off');
    expect(await liveTracks(page)).toBe(0);
    expect(await page.evaluate("document.getElementById('camera-video').srcObject === null")).toBe(true);
    expect(await video.isVisible()).toBe(false);
    // The keyboard's place moves back to the button that starts the camera again.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Scan with the camera');
    expect(checkIns.length).toBe(1);

    // The page hidden (a phone put away; headless Chromium never hides a page, so the page is told it is) stops it too.
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Stop camera' }).isVisible(), WAIT).toBe(true);
    await keepStream(page);
    expect(await liveTracks(page)).toBe(1);
    await page.evaluate(`Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'))`);
    expect(await status.textContent()).toBe('camera stopped while the page was hidden: press Scan with the camera to go on');
    expect(await liveTracks(page)).toBe(0);
    await page.evaluate("delete document.hidden");

    // And so does logging out: the next person at the gate device finds no camera open.
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Stop camera' }).isVisible(), WAIT).toBe(true);
    await keepStream(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => page.locator('#login').isVisible(), WAIT).toBe(true);
    expect(await liveTracks(page)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('says so where the browser has no camera to give', async () => {
    // The usual Chromium: no fake device and no one to grant the permission, so the camera is refused or missing.
    const page = await world.browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems = watchProblems(page);
    await logIn(page);
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await expect.poll(() => page.getByTestId('camera-status').textContent(), WAIT)
      .toMatch(/^(the camera was refused: allow it in the browser for this site, or type the secret|no camera found: type the secret)$/);
    expect(await page.getByRole('button', { name: 'Scan with the camera' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Stop camera' }).isVisible()).toBe(false);
    expect(await page.getByTestId('camera-video').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});

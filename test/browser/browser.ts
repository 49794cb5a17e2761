/**
 * What the browser tests share: Debian's Chromium (or CHROMIUM_PATH) driven by playwright-core, launched with the
 * flags a headless CI run needs, against the real binary; the skip (with its reason) where there is no Chromium,
 * which CI (`CI=true`, `.ci/run` installs it) turns into a failure; and the screenshots the README shows, kept when
 * `SCREENSHOTS_DIR` is set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startBinary, type RunningBinary } from '../blackbox/binary.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the browser tests cannot run here (undefined: they can); in CI its absence fails the file. */
export const chromiumMissing = fs.existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or CHROMIUM_PATH)`;
if (chromiumMissing !== undefined && process.env.CI === 'true') throw new Error(`Chromium is required in CI: ${chromiumMissing}`);
if (chromiumMissing !== undefined) console.warn(`skipping the browser tests: ${chromiumMissing}`);

export const PASSWORD = 'correct horse battery';

/**
 * Chromium with the usual flags and `extraArgs` after them, for a test that needs a browser set up otherwise (a fake
 * camera, say); the caller closes it.
 *
 * @example
 * const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...LAUNCH_ARGS, ...extraArgs] });
}

export interface BrowserWorld {
  ticketd: RunningBinary;
  browser: Browser;
}

/**
 * Starts the binary (with `args`) and Chromium before the file's tests and stops both after; answers the world the
 * tests read once it is up.
 */
export function useBrowserWorld(args: string[]): BrowserWorld {
  const world = {} as BrowserWorld;
  beforeAll(async () => {
    if (chromiumMissing !== undefined) return;
    world.ticketd = await startBinary({ args });
    world.browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    if (chromiumMissing !== undefined) return;
    await world.browser?.close();
    expect(await world.ticketd.stop('SIGTERM')).toBe(0);
    fs.rmSync(world.ticketd.dataDir, { recursive: true, force: true });
  }, 60_000);
  return world;
}

/** Keeps a full-page screenshot as `<SCREENSHOTS_DIR>/<name>.png` when that is set. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS_DIR;
  if (dir === undefined) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/**
 * The page's uncaught exceptions and console errors (a Content-Security-Policy refusal is one), collected from now
 * on. Not the 401s of the page asking who is logged in before anyone is (nor a favicon's 404): the browser logs
 * those as failed loads.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  return problems;
}

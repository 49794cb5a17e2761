/**
 * The pages ticketd serves (issue 13), built by `npm run build` (web/vite.config.ts) into dist/web: `/app` (the
 * customer's app), `/console` (the operator's) and their bundled files under `/assets/`. Public like `/docs`: a page carries no token, it logs in
 * (the session cookie). The HTML is revalidated on every load (`no-cache`), so a new build is seen at once; the
 * assets have a content hash in their names and are cached for a year. Everything comes from ticketd: no CDN.
 *
 * The files come from a `WebSource`: dist/web on disk, or, in the single executable (`npm run package`), the
 * copies it carries. Each is read when first asked for and kept (the whole build is some tens of KB); a server
 * with no build to read answers 503 `web_unavailable` saying how to build it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledAssets } from '../platform/bundled-assets.ts';
import type { TicketdApp } from './app-env.ts';
import { errorBody, HttpError } from './http-error.ts';

/** The pages, by path, and their built HTML file under dist/web. */
export const WEB_PAGES: Readonly<Record<string, string>> = { '/app': 'app/index.html', '/console': 'console/index.html' };
export const WEB_ASSETS_PREFIX = '/assets/';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.map': 'application/json',
};

/** Where the build is: `<package root>/dist/web`, from src/http (tsx) and from dist/http (built) alike. */
export function webDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');
}

/** Where the pages' built files are read from. */
export interface WebSource {
  /** Where the files were looked for and how to put them there, for the 503 that says they are not there. */
  describe: string;
  /** A built file's bytes by its path inside the build (`app/index.html`, `assets/app-1a2b3c.js`); `undefined` when absent. */
  read(relative: string): Uint8Array<ArrayBuffer> | undefined;
}

/**
 * The build in a directory on disk.
 *
 * @example
 * webDirSource(webDir()).read('app/index.html'); // the page's bytes, or undefined before `npm run build`
 */
export function webDirSource(dir: string): WebSource {
  return {
    describe: `${dir}: run npm run build`,
    read: (relative) => {
      const file = path.join(dir, relative);
      // Only files inside the build, by a path the route built itself: no `..` can reach here.
      if (!file.startsWith(dir + path.sep) || fs.statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return undefined;
      return new Uint8Array(fs.readFileSync(file));
    },
  };
}

/**
 * The build this process serves: the copy the single executable carries when it is one, else dist/web.
 *
 * @example
 * addWebRoutes(app, webSource());
 */
export function webSource(): WebSource {
  const bundled = bundledAssets();
  if (bundled === undefined) return webDirSource(webDir());
  return { describe: 'this executable: build it again with npm run package', read: bundled.readWebFile };
}

/**
 * Adds `GET /app`, `GET /console` and `GET /assets/:file`, answered from `source`.
 *
 * @example
 * addWebRoutes(app);
 * // GET /app → the customer's app; GET /assets/app-1a2b3c.js → its script, immutable
 */
export function addWebRoutes(app: TicketdApp, source = webSource()): void {
  // Only files found are kept: they are the build's few files, while the names asked for are the callers' choice.
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const read = (relative: string): Uint8Array<ArrayBuffer> | undefined => {
    const kept = files.get(relative);
    if (kept !== undefined) return kept;
    const bytes = source.read(relative);
    if (bytes !== undefined) files.set(relative, bytes);
    return bytes;
  };
  for (const [page, file] of Object.entries(WEB_PAGES)) {
    app.get(page, (c) => {
      const bytes = read(file);
      if (bytes === undefined) throw new HttpError(503, 'web_unavailable', `the web pages are not in ${source.describe}`);
      c.header('Cache-Control', 'no-cache');
      c.header('Content-Type', TYPES['.html']);
      // The page's own rules: its scripts and styles from this origin only, nothing inline, no framing.
      c.header('Content-Security-Policy', "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
      c.header('X-Content-Type-Options', 'nosniff');
      return c.body(bytes, 200);
    });
  }
  app.get(`${WEB_ASSETS_PREFIX}:file`, (c) => {
    const name = c.req.param('file');
    const type = TYPES[path.extname(name)];
    const bytes = /^[A-Za-z0-9._-]+$/.test(name) && type !== undefined ? read(`assets/${name}`) : undefined;
    if (bytes === undefined) return c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('Content-Type', type);
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(bytes, 200);
  });
}

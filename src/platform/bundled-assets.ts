/**
 * What the single executable (`npm run package`, src/single-executable/) tells the code it carries: the package
 * version (there is no package.json beside it), where it extracted better-sqlite3's native addon and Swagger UI's
 * files, and how to read the web pages it carries without extracting them. Run any other
 * way (node, tsx, vitest), nothing is set and `bundledAssets()` answers `undefined`, so callers keep their usual
 * lookups.
 */

export interface BundledAssets {
  /** The version of the package the executable was built from. */
  version: string;
  /** Absolute path of better-sqlite3's `better_sqlite3.node`, extracted from the executable. */
  sqliteAddonFile: string;
  /** Directory holding Swagger UI's `swagger-ui.css` and `swagger-ui-bundle.js`, extracted for `GET /docs`. */
  docsAssetsDir: string;
  /**
   * The web pages' built files (dist/web, served by src/http/web-routes.ts), carried as data and never written to
   * disk: a file's bytes by its path inside the build (`app/index.html`), `undefined` for one the executable lacks.
   */
  readWebFile: (relative: string) => Uint8Array<ArrayBuffer> | undefined;
}

let current: BundledAssets | undefined;

/**
 * Called once by the single executable's entry, before any command runs.
 *
 * @example
 * const dir = '/home/ops/.cache/ticketd-0.1.0-ab12cd34';
 * useBundledAssets({ version: '0.1.0', sqliteAddonFile: `${dir}/better_sqlite3.node`, docsAssetsDir: dir, readWebFile: () => undefined });
 */
export function useBundledAssets(assets: BundledAssets): void {
  if (current !== undefined) throw new Error('bundled assets are set once, by the single executable entry');
  current = assets;
}

/**
 * The assets of the single executable this process is, or `undefined` when it is not one.
 *
 * @example
 * new Database(file, { nativeBinding: bundledAssets()?.sqliteAddonFile });
 */
export function bundledAssets(): BundledAssets | undefined {
  return current;
}

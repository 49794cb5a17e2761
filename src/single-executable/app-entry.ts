/**
 * The code the single executable runs, bundled by `npm run package` into one CommonJS file that sea-main.ts
 * extracts and requires: the command line, told first where the executable put what ticketd otherwise finds in
 * node_modules and package.json.
 */
import { processIo } from '../cli/cli-io.ts';
import { runCli } from '../cli/run-cli.ts';
import { useBundledAssets, type BundledAssets } from '../platform/bundled-assets.ts';

/**
 * Runs the command line `argv` as `ticketd` does and answers its exit status.
 *
 * @example
 * process.exitCode = await runBundled({ version: '0.1.0', sqliteAddonFile, docsAssetsDir, readWebFile }, process.argv.slice(2));
 */
export function runBundled(assets: BundledAssets, argv: readonly string[]): Promise<number> {
  useBundledAssets(assets);
  return runCli(argv, processIo());
}

/** What sea-main.ts gets from requiring the bundle. */
export interface AppEntry {
  runBundled: typeof runBundled;
}

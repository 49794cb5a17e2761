/**
 * How the single executable's code reads the web pages it carries (issue 13): straight from its assets, by the
 * names the manifest lists, without writing them to the cache directory as it does its code; pages are data.
 */
import { webAssetName } from './manifest.ts';

/**
 * A reader over the carried web files: a copy of a file's bytes by its path inside the build, `undefined` for a
 * path the manifest does not list, so a name the executable lacks is a 404 or 503 and never `getAsset`'s throw.
 *
 * @example
 * const read = webFileReader(manifest.webFiles, (name) => sea.getAsset(name));
 * read('app/index.html'); // Uint8Array of the page
 * read('assets/none.js'); // undefined
 */
export function webFileReader(
  webFiles: readonly string[],
  getAsset: (name: string) => ArrayBuffer,
): (relative: string) => Uint8Array<ArrayBuffer> | undefined {
  const carried = new Set(webFiles);
  return (relative) => (carried.has(relative) ? new Uint8Array(getAsset(webAssetName(relative))) : undefined);
}

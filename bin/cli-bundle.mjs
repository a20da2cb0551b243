// Where the CLI bundle lives and whether it is fresh: plain JavaScript, because bin/finml.mjs asks
// before any TypeScript can be loaded. scripts/build-cli.ts writes the bundle and its manifest.
import { readFileSync, statSync } from 'node:fs';

/** The bundle's folder, relative to the repository root. */
export const BUNDLE_DIR = 'dist/cli';
/** The entry file in that folder. */
export const BUNDLE_ENTRY = 'finml.mjs';
/** The manifest in that folder: every source the bundle was built from, with its size and mtime. */
export const MANIFEST = 'manifest.json';
export const MANIFEST_VERSION = 1;

/**
 * The bundle under `root` (a file URL ending in /) if it is fresh: built, with a manifest of this
 * version, and every source it lists still of the recorded size and mtime. Otherwise the reason.
 */
export function cliBundle(root) {
  const dir = new URL(`${BUNDLE_DIR}/`, root);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL(MANIFEST, dir), 'utf8'));
  } catch (error) {
    return error.code === 'ENOENT'
      ? { fresh: false, reason: `no CLI bundle (${BUNDLE_DIR}/)` }
      : { fresh: false, reason: `unreadable ${BUNDLE_DIR}/${MANIFEST} (${error.message})` };
  }
  if (
    manifest?.version !== MANIFEST_VERSION ||
    typeof manifest.inputs !== 'object' ||
    manifest.inputs === null
  ) {
    return { fresh: false, reason: `${BUNDLE_DIR}/${MANIFEST} is from another build version` };
  }
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    let now;
    try {
      now = statSync(new URL(file, root), { throwIfNoEntry: false });
    } catch (error) {
      return { fresh: false, reason: `cannot check ${file} (${error.code ?? error.message})` };
    }
    if (now === undefined)
      return { fresh: false, reason: `${file} was removed since the CLI bundle was built` };
    if (now.size !== recorded?.size || now.mtimeMs !== recorded?.mtimeMs) {
      return { fresh: false, reason: `${file} changed since the CLI bundle was built` };
    }
  }
  return { fresh: true, url: new URL(BUNDLE_ENTRY, dir).href };
}

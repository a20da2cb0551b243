// Types of bin/cli-bundle.mjs (plain JavaScript, so bin/finml.mjs can run it before any TypeScript).
export declare const BUNDLE_DIR: string;
export declare const BUNDLE_ENTRY: string;
export declare const MANIFEST: string;
export declare const MANIFEST_VERSION: number;

export interface Manifest {
  version: number;
  /** Repository-relative path (with /) → the file's size and mtime when the bundle was built. */
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

export type CliBundle = { fresh: true; url: string } | { fresh: false; reason: string };

export declare function cliBundle(root: URL | string): CliBundle;

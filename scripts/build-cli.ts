/**
 * Builds the `finml` CLI into dist/cli/ (run by `npm ci` / `npm install` as the `prepare` script, or
 * `npm run build`): bin/cli.ts and everything it imports as plain ESM JavaScript, so the installed
 * command starts without transpiling TypeScript. bin/finml.mjs runs this bundle while it is fresh
 * (bin/cli-bundle.mjs) and the sources through tsx otherwise
 * (docs/decisions/0023-cli-bundle-built-at-install.md).
 *
 * - Code splitting keeps the CLI's lazy command loading: `finml predict` loads the predict chunk,
 *   not the pipeline's or the drift check's.
 * - The options of the Lambda bundles where they apply (infra/constructs/finml-function.ts:
 *   platform node, ESM, main fields module/main, the createRequire banner for CommonJS dependencies
 *   such as yaml), with target node20 (the user's Node ≥ 20.19) and no minification (stack traces
 *   keep the function names; a source map is written beside the bundle for `--enable-source-maps`).
 * - Our sources that locate files from `import.meta.url` (config/load.ts: the YAML folder;
 *   config/version.ts: package.json) get the URL of their source file, expressed relative to the
 *   bundle, so they read the same files as under tsx — also after the checkout is moved.
 * - dist/cli/manifest.json lists every source the bundle was built from with its size and mtime.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { BUNDLE_DIR, BUNDLE_ENTRY, MANIFEST, MANIFEST_VERSION, type Manifest } from '../bin/cli-bundle.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Files that shape the bundle without being imported by it: the import map, the TypeScript settings. */
const BUILD_INPUTS = ['package.json', 'tsconfig.json'];

export class CliBuildError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliBuildError';
  }
}

const toPosix = (path: string): string => path.split(sep).join('/');

/**
 * Replaces `import.meta.url` in our own sources with the URL of the source file, relative to the
 * bundle's folder; fails on `import.meta.dirname` / `filename` / `resolve`, which would point at the
 * bundle instead.
 */
function sourceUrlPlugin(root: string, outDir: string): Plugin {
  return {
    name: 'finml-source-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const file = toPosix(relative(root, args.path));
        const other = /import\.meta\.(dirname|filename|resolve)\b/.exec(text);
        if (other) {
          const line = text.slice(0, other.index).split('\n').length;
          throw new CliBuildError(
            `${file}:${line}: import.meta.${other[1]} would name the bundle, not this file; use new URL(…, import.meta.url)`,
          );
        }
        const fromBundle = toPosix(relative(outDir, args.path));
        const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/** esbuild options of the CLI bundle, written into `outDir`. */
export function cliBuildOptions(root: string, outDir: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: { [BUNDLE_ENTRY.replace(/\.mjs$/, '')]: join(root, 'bin/cli.ts') },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __finmlRequire } from 'node:module'; const require = __finmlRequire(import.meta.url);",
    },
    sourcemap: true,
    sourcesContent: false,
    tsconfig: join(root, 'tsconfig.json'),
    plugins: [sourceUrlPlugin(root, outDir)],
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * The manifest of a build: with their size and mtime, each repository source in the metafile, the
 * package.json of each bundled npm package (npm writes it afresh when it installs another version)
 * and BUILD_INPUTS.
 */
export async function manifestOf(root: string, metafile: Metafile): Promise<Manifest> {
  const files = new Set(BUILD_INPUTS);
  for (const path of Object.keys(metafile.inputs)) {
    const pkg = /^(?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+\//.exec(path)?.[0];
    files.add(pkg === undefined ? path : `${pkg}package.json`);
  }
  const inputs: Manifest['inputs'] = {};
  for (const file of [...files].sort()) {
    const s = await stat(join(root, file));
    inputs[file] = { size: s.size, mtimeMs: s.mtimeMs };
  }
  return { version: MANIFEST_VERSION, inputs };
}

export interface CliBuild {
  dir: string;
  entry: string;
  /** Bytes of each output file (.mjs), by name. */
  outputs: Record<string, number>;
  sources: number;
}

/**
 * Builds the bundle into a fresh folder beside `root/dist/cli` and renames it into place, so a
 * `finml` started meanwhile sees either the old bundle or the new one, never half of one.
 */
export async function buildCli(root: string = REPO_ROOT): Promise<CliBuild> {
  const { build } = await import('esbuild');
  const finalDir = join(root, BUNDLE_DIR);
  const tempDir = `${finalDir}.tmp-${process.pid}`;
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(dirname(finalDir), { recursive: true });
  try {
    // Built for its final folder (the relative source URLs), written to the temporary one.
    const options = cliBuildOptions(root, finalDir);
    const result = await build({ ...options, outdir: tempDir, write: false });
    await mkdir(tempDir, { recursive: true });
    const outputs: Record<string, number> = {};
    for (const file of result.outputFiles) {
      const name = toPosix(relative(tempDir, file.path));
      await writeFile(file.path, file.contents);
      if (name.endsWith('.mjs')) outputs[name] = file.contents.byteLength;
    }
    const manifest = await manifestOf(root, result.metafile!);
    await writeFile(join(tempDir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    const oldDir = `${finalDir}.old-${process.pid}`;
    await rename(finalDir, oldDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(tempDir, finalDir);
    await rm(oldDir, { recursive: true, force: true });
    return {
      dir: finalDir,
      entry: join(finalDir, BUNDLE_ENTRY),
      outputs,
      sources: Object.keys(manifest.inputs).length,
    };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const built = await buildCli();
  const kib = Object.values(built.outputs).reduce((a, b) => a + b, 0) / 1024;
  const chunks = Object.keys(built.outputs).length;
  process.stdout.write(
    `finml build: ${toPosix(relative(REPO_ROOT, built.entry))} (${chunks} files, ${kib.toFixed(0)} KiB, ` +
      `${built.sources} inputs) in ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
  );
}

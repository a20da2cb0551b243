#!/usr/bin/env -S node --initial-old-space-size=64 --heap-growing-percent=20
// The `finml` command. Runs the JavaScript bundle that `npm ci` builds into dist/cli/
// (scripts/build-cli.ts), so start-up transpiles nothing; when that bundle is missing or older than
// a source it was built from (a .ts file edited since), runs the TypeScript sources through tsx, as
// before, and says so on stderr (docs/decisions/0023-cli-bundle-built-at-install.md).
import { cliBundle } from './cli-bundle.mjs';

const bundle = cliBundle(new URL('../', import.meta.url));
let cli;
if (bundle.fresh) {
  cli = await import(bundle.url);
} else {
  process.stderr.write(
    `finml: ${bundle.reason}: running the TypeScript sources through tsx (npm run build to rebuild)\n`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('./cli.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));

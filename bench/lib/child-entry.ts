/**
 * Child entry for `--tsx` runs (no bundle): `node --import tsx child-entry.ts <module URL> <params JSON>`.
 * The default runs use a bundle of the case's measure module instead (see spawn.ts).
 */
import { runChild } from './child-runtime.ts';
import type { JsonObject, Measure } from './types.ts';

const moduleUrl = process.argv[2];
if (moduleUrl === undefined) throw new Error('usage: child-entry.ts <module URL> <params JSON>');
const mod = (await import(moduleUrl)) as { measure: Measure<JsonObject> };
await runChild(mod.measure);

/** `finml reproduce`: train a `finml train` model again from its lineage and compare (decision 22). */

import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../cli.ts';
import { jsonNumbers } from './model.ts';

/** Exit status when the re-trained artifact differs from the registered one. */
export const NOT_REPRODUCED = 3;

export const reproduceCommand: Command = {
  summary: 'train a model again from the exact gold bytes it was trained on and compare the artifacts',
  usage: `Usage: finml reproduce <model dir | model.json> [--json]

Reads the model's lineage (lineage.json and lineage/sha256/… beside model.json, written by
"finml train"), checks every gold file's bytes against the SHA-256 recorded when it was trained,
trains again with the recorded config (not today's config/), and compares the new artifact with
model.json field by field, ignoring only version, createdAt and lineage.codeVersion.

Exit status: 0 equal; ${NOT_REPRODUCED} different (the first differing field is printed); 2 the lineage is
missing or its bytes were changed (the file is named); 1 usage.

A model trained by the pipeline (local runtime or AWS) is reproduced by the admin route:
POST /admin/reproduce {"version": "…", "reason": "…"}.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false } },
    });
    const input = positionals[0];
    if (input === undefined)
      throw new UsageError('name the model folder of "finml train --out DIR" (or its model.json)');
    const isDir = (await stat(input).catch(() => undefined))?.isDirectory() ?? false;
    const dir = isDir ? input : dirname(input);
    const modelPath = isDir ? join(input, 'model.json') : input;
    const [{ parseArtifact }, lineage, { reproduceFromManifest }, { codeVersion }] = await Promise.all([
      import('#shared/model/artifact'),
      import('#shared/model/lineage'),
      import('#shared/usecases/lineage'),
      import('#config/version'),
    ]);
    const modelText = await readFile(modelPath, 'utf8').catch(() => undefined);
    if (modelText === undefined)
      throw new UsageError(`no model file at ${modelPath}: run "finml train" first`);
    const registered = parseArtifact(modelText, modelPath);
    const manifestPath = join(dir, 'lineage.json');
    const manifestText = await readFile(manifestPath, 'utf8').catch(() => undefined);
    if (manifestText === undefined) {
      throw new lineage.LineageError(
        `${manifestPath}: no lineage beside ${modelPath} (it was trained before "finml train" recorded lineage): it cannot be reproduced`,
      );
    }
    const manifest = lineage.parseLineage(manifestText, manifestPath);
    if (manifest.modelVersion !== registered.version) {
      throw new lineage.LineageError(
        `${manifestPath} is the lineage of ${manifest.modelVersion}, not of ${modelPath} (${registered.version})`,
      );
    }
    const result = await reproduceFromManifest(
      manifest,
      registered,
      async (object) => {
        if (object.snapshot === undefined) {
          throw new lineage.LineageError(`${manifestPath}: ${object.key} has no snapshot of its bytes`);
        }
        const from = join(dir, object.snapshot);
        const bytes = await readFile(from).catch(() => undefined);
        if (bytes === undefined)
          throw new lineage.LineageError(`${object.key}: its snapshot ${from} is gone`);
        return { bytes, from };
      },
      { codeVersion: codeVersion(), now: new Date(), previousHmm: null },
    );
    process.stdout.write(values.json ? `${JSON.stringify(result, jsonNumbers, 2)}\n` : verdict(result));
    return result.equal ? 0 : NOT_REPRODUCED;
  },
};

type Reproduction = Awaited<ReturnType<typeof import('#shared/usecases/lineage').reproduceFromManifest>>;

function verdict(r: Reproduction): string {
  const show = (v: unknown) => {
    const s = JSON.stringify(v, jsonNumbers);
    return s === undefined ? '(absent)' : s.length > 200 ? `${s.slice(0, 200)}…` : s;
  };
  const lines = r.equal
    ? [`Model ${r.version} reproduced: the re-trained artifact EQUALS the registered one.`]
    : [
        `Model ${r.version} NOT reproduced: the artifacts differ, first at ${r.difference!.path}`,
        `  registered: ${show(r.difference!.registered)}`,
        `  reproduced: ${show(r.difference!.reproduced)}`,
      ];
  lines.push(
    `  from ${r.objects} gold file(s), ${r.rows.toLocaleString('en-US')} rows, each checked against its recorded SHA-256`,
    `  not compared: ${r.ignored.join(', ')}`,
    `  code version: recorded ${r.codeVersion.recorded}, now ${r.codeVersion.reproduced}${r.codeVersion.recorded === r.codeVersion.reproduced ? '' : ' (different code may explain a difference)'}`,
  );
  return `${lines.join('\n')}\n`;
}

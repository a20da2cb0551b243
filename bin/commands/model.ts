/** `finml train`, `finml report`, `finml predict`: the regime model on local files. */

import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelGoldTable } from '#shared/data/tables';
import type { ModelArtifact } from '#shared/model/artifact';
import { ARTIFACT_KIND, schemaVersionProblem } from '#shared/model/artifact-version';
import { parseModelJson } from '#shared/model/model-json';
import { predict } from '#shared/model/predict';
import {
  checkServingModel,
  SERVING_MODEL_KIND,
  SERVING_MODEL_SCHEMA_VERSION,
  type ServingModel,
  ServingModelError,
} from '#shared/model/serving-model';
import { type Command, UsageError } from '../cli.ts';
import { goldFiles, readWithSnapshot, writeAtomic } from '../files.ts';
import { formatModelReport } from '../views/model-report.ts';
import { formatPrediction } from '../views/prediction.ts';

export const trainCommand: Command = {
  summary: 'fit and evaluate the regime model on gold data → model.json and a report',
  usage: `Usage: finml train <gold dir or gold file> --out DIR [--json] [--config DIR]

The gold is a "finml pipeline" output's gold folder (e.g. out/gold: its features/symbol=*/ Parquet
partitions), one partition file, or a gold CSV (e.g. from "finml export gold").

Fits the Markov chain (with every analytic and its uncertainty) and the hidden-Markov variant on
the gold regimes, evaluates both against persistence and climatology on walk-forward folds, and
writes DIR/model.json (the artifact the API serves) and DIR/report.txt — and its lineage:
DIR/lineage.json (each gold file's SHA-256, the training config) and DIR/lineage/sha256/… (a copy
of the exact bytes trained on), so "finml reproduce DIR" can train it again after the gold changed.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
    });
    const input = positionals[0];
    if (input === undefined) throw new UsageError('name the gold folder (e.g. out/gold) or a gold file');
    if (values.out === undefined) throw new UsageError('--out DIR is required');
    const files = await goldFiles(input);
    if (files.length === 0) throw new UsageError(`no gold at ${input}: run "finml pipeline" first`);
    // Loaded here, not at start-up: `finml predict` and `finml report` need none of it.
    const [{ loadConfig }, { codeVersion }, { readGoldInput }, { trainModel }] = await Promise.all([
      import('#config/load'),
      import('#config/version'),
      import('#shared/data/parquet-tables'),
      import('#shared/model/train'),
    ]);
    const { serializeArtifact } = await import('#shared/model/artifact');
    const { modelReport } = await import('#shared/model/report');
    const { calibrationOptions } = await import('#shared/monitoring/drift-calibration');
    const { config, hash } = loadConfig(values.config);
    const lineage = await import('#shared/model/lineage');
    const tables: ModelGoldTable[] = [];
    const sources: { file: string; sha256: string; rows: number }[] = [];
    const objects: import('#shared/model/lineage').LineageObject[] = [];
    for (const file of files) {
      // streamed (a gold file can be gigabytes), hashed and copied into the lineage as it is read
      const reading = await readWithSnapshot(file, values.out);
      const read = await readGoldInput(reading.chunks, file, 'model');
      const { sha256, bytes, etag, snapshot } = await reading.finish();
      for (const t of read) tables.push(t);
      const rows = read.reduce((n, t) => n + t.length, 0);
      sources.push({ file, sha256, rows });
      objects.push({ key: file, etag, sha256, bytes, rows, snapshot });
    }
    const training = {
      data: config.data,
      model: config.model,
      psiBins: config.monitoring.drift.psi.bins,
      driftCalibration: calibrationOptions(config.monitoring),
      previousHmmVersion: null,
    };
    const { trainingContext } = await import('#shared/usecases/training');
    const artifact = trainModel(
      { tables, sources },
      trainingContext(training, null, { configHash: hash, codeVersion: codeVersion(), now: new Date() }),
    );
    const report = modelReport(artifact);
    // Gold rows that are not daily (the pipeline warned too): the report counts rows, and says "days".
    const { cadenceMessage } = await import('#shared/data/pipeline');
    for (const t of tables) {
      const message = cadenceMessage(t, config.data);
      if (message !== undefined)
        process.stderr.write(`! ${message}; the report's horizons and "days" are rows of this series\n`);
    }
    await writeAtomic(
      join(values.out, 'lineage.json'),
      lineage.serializeLineage({
        kind: lineage.LINEAGE_KIND,
        schemaVersion: lineage.LINEAGE_SCHEMA_VERSION,
        modelVersion: artifact.version,
        createdAt: artifact.createdAt,
        configHash: hash,
        codeVersion: codeVersion(),
        training,
        gold: objects,
      }),
    );
    await writeAtomic(join(values.out, 'model.json'), serializeArtifact(artifact));
    await writeAtomic(join(values.out, 'report.txt'), formatModelReport(report));
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ model: join(values.out, 'model.json'), report: join(values.out, 'report.txt'), ...report }, jsonNumbers, 2)}\n`
        : `${formatModelReport(report)}\nWrote ${join(values.out, 'model.json')} and ${join(values.out, 'report.txt')}\n`,
    );
    return 0;
  },
};

export const reportCommand: Command = {
  summary: 'print a trained model’s report',
  usage: `Usage: finml report <model.json> [--json]     (or --model model.json, as finml predict takes it)`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, model: { type: 'string' } },
    });
    if (values.model !== undefined && positionals.length > 0) {
      throw new UsageError('name the model once: <model.json> or --model model.json');
    }
    const model = await loadModel(values.model ?? positionals[0]);
    const { modelReport } = await import('#shared/model/report');
    const report = modelReport(model);
    process.stdout.write(
      values.json ? `${JSON.stringify(report, jsonNumbers, 2)}\n` : formatModelReport(report),
    );
    return 0;
  },
};

export const predictCommand: Command = {
  summary: 'next-regime probabilities and P(reach High within h days)',
  usage: `Usage: finml predict --model model.json [--regime Low|Medium|High [--age DAYS]] [--symbol SYM] [--horizon H] [--json]

Starts from --regime (in it for --age days, default 1), or else from the latest gold regime of
--symbol (default: the model's only symbol) at its age there. --horizon is in days (default 1, at
most the model's maxHorizon).`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        regime: { type: 'string' },
        symbol: { type: 'string' },
        horizon: { type: 'string', default: '1' },
        age: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (values.age !== undefined && values.regime === undefined)
      throw new UsageError('--age goes with --regime');
    const horizon = Number(values.horizon);
    // A value the option cannot take is a usage error (exit 1), 0 as much as 2.5; a horizon past what
    // the model forecasts is the model's answer (exit 2).
    if (!/^\d+$/.test(values.horizon) || horizon < 1)
      throw new UsageError(`--horizon must be a whole number of days ≥ 1, got "${values.horizon}"`);
    if (values.age !== undefined && (!/^\d+$/.test(values.age) || Number(values.age) < 1))
      throw new UsageError(`--age must be a whole number of days ≥ 1, got "${values.age}"`);
    const model = await loadForecastView(values.model);
    const symbols = Object.keys(model.latest);
    const symbol =
      values.symbol ?? (values.regime === undefined && symbols.length === 1 ? symbols[0] : undefined);
    if (symbol === undefined && values.regime === undefined) {
      throw new UsageError(`give --regime or --symbol (the model knows ${symbols.length} symbols)`);
    }
    const prediction = predict(model, {
      horizon,
      ...(symbol === undefined ? {} : { symbol }),
      ...(values.regime === undefined ? {} : { regime: values.regime }),
      ...(values.age === undefined ? {} : { age: Number(values.age) }),
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(prediction, jsonNumbers, 2)}\n` : formatPrediction(prediction),
    );
    return 0;
  },
};

/**
 * The part of model.json a forecast reads, checked by hand (shared/model/serving-model.ts): no
 * schema library to load, so `finml predict` starts in a fraction of the time `report` needs.
 */
async function loadForecastView(path: string | undefined): Promise<ServingModel> {
  if (path === undefined) throw new UsageError('name the model file (e.g. --model out/model/model.json)');
  if (!isFile(path)) throw new UsageError(`no model file at ${path}: run "finml train" first`);
  let raw: unknown;
  try {
    raw = parseModelJson(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new ServingModelError(`${path}: not JSON (${(cause as Error).message})`, { cause });
  }
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (r.kind !== ARTIFACT_KIND) {
    throw new ServingModelError(`${path}: not a FINML model artifact (kind is ${JSON.stringify(r.kind)})`);
  }
  const versionProblem = schemaVersionProblem(path, r.schemaVersion);
  if (versionProblem !== undefined) throw new ServingModelError(versionProblem);
  return checkServingModel(
    {
      kind: SERVING_MODEL_KIND,
      schemaVersion: SERVING_MODEL_SCHEMA_VERSION,
      version: r.version,
      labels: r.labels,
      markov: r.markov,
      latest: r.latest,
      ...(r.horizonForecasts === undefined ? {} : { horizonForecasts: r.horizonForecasts }),
      ...pick(r, 'semiMarkov', ['jump', 'maxAge', 'hazard', 'tailHazard']),
      ...pick(r, 'risk', [
        'levels',
        'oneDay',
        'maxHorizon',
        'horizons',
        'draws',
        'seed',
        'paths',
        'valueAtRisk',
        'expectedShortfall',
      ]),
    },
    path,
  );
}

/** `{[field]: the listed keys of r[field]}`, or nothing when r has no such object (an older model). */
function pick(r: Record<string, unknown>, field: string, keys: readonly string[]): Record<string, unknown> {
  const v = r[field];
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  return { [field]: Object.fromEntries(keys.map((k) => [k, o[k]])) };
}

async function loadModel(path: string | undefined): Promise<ModelArtifact> {
  if (path === undefined) throw new UsageError('name the model file (e.g. --model out/model/model.json)');
  if (!isFile(path)) throw new UsageError(`no model file at ${path}: run "finml train" first`);
  const { parseArtifact } = await import('#shared/model/artifact');
  return parseArtifact(await readFile(path, 'utf8'), path);
}

/** JSON has no Infinity: write it as a string (the artifact does the same). */
export function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

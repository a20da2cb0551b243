/**
 * `finml pipeline <bronze.csv…> --out DIR`: bronze → silver → gold on local files, by the same use
 * cases the deployed pipeline runs (shared/usecases/run-files.ts) on the file-system store: DIR holds
 * the lake's layout, one folder per bucket. Silver partitions already in DIR are the symbols'
 * history: new files merge into them.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '#config/load';
import { formatIsoDay, parseIsoDay, utcDay } from '#shared/data/values';
import { FileLeaseStore } from '#shared/fs/file-leases';
import { FileSystemObjectStore } from '#shared/fs/file-store';
import { RunRegistry } from '#shared/fs/run-registry';
import { expireStaging } from '#shared/fs/staging-expiry';
import type { AlertPublisher, PredictionLog } from '#shared/ports';
import { type Buckets, type Context, keys } from '#shared/usecases/lake';
import { runFiles } from '#shared/usecases/run-files';
import { type Command, notAFile, UsageError } from '../cli.ts';
import { formatPipelineSummary, pipelineSummary } from '../views/pipeline-summary.ts';

const usage = `Usage: finml pipeline <file.csv> [more.csv …] --out DIR [--json] [--run-date YYYY-MM-DD] [--config DIR]

Validates each bronze CSV, cleans it into DIR/silver/market/symbol=<SYMBOL>/part-0000.parquet
(merged with the history already there; a later file wins a (symbol, date) clash), and rebuilds the
gold of every symbol it touched: DIR/gold/features/symbol=<SYMBOL>/part-0000.parquet, features and
Low / Medium / High regimes. Both layers are Parquet, one file per symbol (read them with DuckDB,
pandas or Polars, or write a CSV with "finml export"). Silver and gold are published together,
only when every quality gate passes. The run's record is DIR/gold/runs/<run id>/ (metadata.json,
quality reports). A rejected file is copied to DIR/quarantine/<run id>/ beside its report. Files
under a risk_indicators/ folder are risk indicators (date + numeric columns): kept in
DIR/silver/indicators/part-0000.parquet and joined to every symbol's gold rows by date,
forward-filled. The layout is the S3 buckets' layout of the deployed stack.

Options:
  --out DIR          output folder (created if needed)
  --json             print the summary as one JSON document (fields: see README)
  --run-date DATE    the run's UTC date (rows dated later are dropped); default: today
  --config DIR       folder with the config YAML files; default: config/

Exit status: 0 all files accepted, 2 a file (or the run's gold) was rejected, 1 usage or config error.`;

/** The folder of each bucket under DIR (the bronze "bucket" is the file system: inputs stay where they are). */
export function localBuckets(out: string) {
  const buckets: Buckets = {
    bronze: 'bronze',
    silver: 'silver',
    gold: 'gold',
    artifacts: 'models',
    quarantine: 'quarantine',
  };
  const roots = {
    bronze: '/',
    silver: join(out, 'silver'),
    gold: join(out, 'gold'),
    models: join(out, 'models'),
    quarantine: join(out, 'quarantine'),
  };
  return { buckets, roots } as const;
}

/** The CLI keeps no prediction log: nothing in the pipeline reads or writes one. */
const noPredictionLog: PredictionLog = {
  put: refuse,
  pendingOutcomes: refuse,
  setOutcome: refuse,
  withOutcomes: refuse,
};
function refuse(): never {
  throw new Error('the file-system pipeline keeps no prediction log (the API does)');
}

export const pipelineCommand: Command = {
  summary: 'bronze CSVs → silver → gold features and regimes, with quality gates',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        'run-date': { type: 'string' },
        config: { type: 'string' },
      },
    });
    if (positionals.length === 0) throw new UsageError('name at least one bronze CSV file');
    if (values.out === undefined) throw new UsageError('--out DIR is required');
    const runDay = values['run-date'] === undefined ? utcDay(new Date()) : parseIsoDay(values['run-date']);
    if (runDay === undefined) throw new UsageError(`--run-date "${values['run-date']}" is not YYYY-MM-DD`);
    for (const file of positionals) {
      const s = await stat(file).catch(() => undefined);
      if (!s?.isFile()) throw new UsageError(notAFile(file, s));
    }
    const outStat = await stat(values.out).catch(() => undefined);
    if (outStat !== undefined && !outStat.isDirectory())
      throw new UsageError(`--out ${values.out} is a file: name a folder (created if needed)`);
    const { config, hash } = loadConfig(values.config);
    const out = values.out;
    const runDate = formatIsoDay(runDay);
    // The run's clock: its date is the run date (rows dated later are dropped), its time is now's.
    const now = () => new Date(`${runDate}T${new Date().toISOString().slice(11)}`);
    const { buckets, roots } = localBuckets(out);
    for (const path of expireStaging(
      [roots.silver, roots.gold],
      config.platform.lake.stagingExpirationDays,
    )) {
      process.stderr.write(
        `finml: deleted ${path}, left by a run that died (older than lake.stagingExpirationDays)\n`,
      );
    }
    const alerts: { subject: string; severity: string }[] = [];
    const publisher: AlertPublisher = { publish: async (m) => void alerts.push(m) };
    const ctx: Context = {
      store: new FileSystemObjectStore(roots),
      registry: new RunRegistry(),
      predictions: noPredictionLog,
      alerts: publisher,
      leases: new FileLeaseStore(join(out, '.leases')),
      buckets,
      config,
      configHash: hash,
      now,
    };
    const runId = `${runDate.replaceAll('-', '')}T${new Date().toISOString().slice(11, 19).replaceAll(':', '')}-${randomBytes(4).toString('hex')}`;
    const objects = positionals.map((file) => ({ bucket: buckets.bronze, key: resolve(file).slice(1) }));
    const result = await runFiles(ctx, objects, runId);

    const written: string[] = [];
    if (result.metadata && !result.goldRejected) {
      for (const s of result.metadata.gold.symbols) {
        if (result.files.some((f) => f.symbols.includes(s.symbol))) {
          written.push(join(roots.silver, keys.silver(s.symbol)));
        }
        written.push(join(roots.gold, keys.gold(s.symbol)));
      }
    }
    for (const f of result.files) {
      if (f.quarantine) {
        written.push(
          join(roots.quarantine, f.quarantine.quarantinedKey),
          join(roots.quarantine, f.quarantine.reportKey),
        );
      }
    }
    written.push(join(roots.gold, keys.run(runId, '')));
    const summary = pipelineSummary({
      result,
      paths: positionals,
      config: config.data,
      runDate,
      out,
      written,
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatPipelineSummary(summary),
    );
    return result.goldRejected || result.files.some((f) => f.status === 'rejected') ? 2 : 0;
  },
};

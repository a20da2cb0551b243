/**
 * `finml pipeline <bronze.csv…> --out DIR`: bronze → silver → gold on local files.
 * Silver partitions already in DIR/silver are the symbols' history: new files merge into them.
 */
import { copyFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '#config/load';
import type { DataConfig } from '#config/schema';
import { DataRejectedError } from '#shared/data/errors';
import { indicatorsCsv, readIndicatorsCsv } from '#shared/data/indicators';
import { runMetadata } from '#shared/data/metadata';
import {
  type FileOutcome,
  type PipelineSink,
  type SilverSource,
  streamDataPipeline,
} from '#shared/data/pipeline';
import { goldCsv, readSilverCsv, silverCsv } from '#shared/data/tables';
import { formatIsoDay, parseIsoDay, utcDay } from '#shared/data/values';
import { type Command, UsageError } from '../cli.ts';
import {
  ensureDir,
  fileChunks,
  partitionName,
  type StagedFile,
  stageFile,
  symbolOfPartition,
  writeAtomic,
  writeJson,
} from '../files.ts';
import { progressBar } from '../progress.ts';
import { formatPipelineSummary, pipelineSummary } from '../views/pipeline-summary.ts';

const usage = `Usage: finml pipeline <file.csv> [more.csv …] --out DIR [--json] [--run-date YYYY-MM-DD] [--config DIR]

Validates each bronze CSV, cleans it into DIR/silver/<SYMBOL>.csv (merged with the history already
there; a later file wins a (symbol, date) clash), and rebuilds DIR/gold/features_final.csv with
features and Low / Medium / High regimes. Writes DIR/gold/metadata.json, DIR/gold/reference.json and
DIR/reports/quality-<layer>.json. A rejected file goes to DIR/quarantine/ with its report.
Files under a risk_indicators/ folder are risk indicators (date + numeric columns): kept in
DIR/silver/indicators/ and joined to every symbol's gold rows by date, forward-filled.

Options:
  --out DIR          output folder (created if needed)
  --json             print the summary as one JSON document (fields: see README)
  --run-date DATE    the run's UTC date (rows dated later are dropped); default: today
  --config DIR       folder with the config YAML files; default: config/

Exit status: 0 all files accepted, 2 a file was rejected, 1 usage or config error.`;

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
      if (!s?.isFile()) throw new UsageError(`no such file: ${file}`);
    }
    const { config: all, hash } = loadConfig(values.config);
    const config = all.data;
    const out = values.out;

    const existing = await silverDirectory(join(out, 'silver'));
    const indicatorPath = join(out, 'silver', 'indicators', 'risk_indicators.csv');
    const indicators = (await stat(indicatorPath).catch(() => undefined))
      ? await readIndicatorsCsv(fileChunks(indicatorPath), indicatorPath)
      : undefined;
    const sizes = new Map(
      await Promise.all(positionals.map(async (f) => [f, (await stat(f)).size] as const)),
    );
    const inputs = positionals.map((file) => ({
      name: file,
      chunks: withProgress(file, sizes.get(file)!, values.json),
    }));
    const staged = new StagedOutputs(out, config);
    let result: Awaited<ReturnType<typeof streamDataPipeline>>;
    try {
      result = await streamDataPipeline(inputs, existing, {
        config,
        runDay,
        ...(indicators ? { indicators } : {}),
        sink: staged.sink,
      });
    } catch (error) {
      await staged.abort();
      throw error;
    }

    const runDate = formatIsoDay(runDay);
    const written = await publishOutputs(out, result, staged, config, hash, runDate);
    const summary = pipelineSummary({
      outcomes: result.outcomes,
      gold: result.gold,
      config,
      runDate,
      out,
      written,
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatPipelineSummary(summary),
    );
    return result.outcomes.some((o) => o.status === 'rejected') ? 2 : 0;
  },
};

function withProgress(file: string, size: number, quiet: boolean): AsyncIterable<Uint8Array> {
  const chunks = fileChunks(file);
  if (quiet || !process.stderr.isTTY || size < 8 << 20) return chunks;
  const bar = progressBar(basename(file), size);
  return (async function* () {
    let read = 0;
    for await (const c of chunks) {
      read += c.length;
      bar.update(read);
      yield c;
    }
    bar.done();
  })();
}

/** The silver partitions already in `dir` (read one at a time, when the pipeline needs them). */
async function silverDirectory(dir: string): Promise<SilverSource> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = new Map(names.filter((n) => n.endsWith('.csv')).map((n) => [symbolOfPartition(n), n]));
  return {
    symbols: [...files.keys()],
    async read(symbol) {
      const name = files.get(symbol);
      if (name === undefined) return undefined;
      const path = join(dir, name);
      const series = await readSilverCsv(fileChunks(path), path);
      if (series.symbol !== symbol) {
        throw new DataRejectedError({
          file: path,
          line: 2,
          code: 'missing_column',
          reason: `the partition of ${symbol} holds rows of "${series.symbol}": rename or remove it`,
        });
      }
      return series;
    },
  };
}

/**
 * The run's silver partitions, gold table and reference samples, written one symbol at a time
 * under temporary names and published together once the pipeline has passed every gate.
 */
class StagedOutputs {
  readonly silver = new Map<string, StagedFile>();
  private gold: StagedFile | undefined;
  private reference: StagedFile | undefined;
  goldRows = 0;

  constructor(
    private readonly out: string,
    private readonly config: DataConfig,
  ) {}

  readonly sink: PipelineSink = {
    silver: async (history) => {
      const path = join(this.out, 'silver', partitionName(history.symbol));
      const file = await stageFile(path);
      this.silver.set(path, file);
      for (const chunk of silverCsv(history)) await file.write(chunk);
      await file.close();
    },
    gold: async (g, reference) => {
      if (g.length > 0) {
        const first = this.gold === undefined;
        this.gold ??= await stageFile(join(this.out, 'gold', 'features_final.csv'));
        for (const chunk of goldCsv(g, this.config.regimes.labels, first)) await this.gold.write(chunk);
        this.goldRows += g.length;
      }
      const first = this.reference === undefined;
      this.reference ??= await stageFile(join(this.out, 'gold', 'reference.json'));
      if (first) {
        await this.reference.write(
          '{\n  "description": "Sorted reference samples per symbol and feature: the scale each regime was scored on.",\n  "symbols": {',
        );
      }
      const entry = {
        source: reference.source,
        ...Object.fromEntries(Object.entries(reference.sample).map(([f, v]) => [f, Array.from(v)])),
      };
      await this.reference.write(
        `${first ? '' : ','}\n    ${JSON.stringify(g.symbol)}: ${JSON.stringify(entry)}`,
      );
    },
  };

  /** Publishes the silver partitions; the gold table and references too when `withGold`. */
  async commit(withGold: boolean): Promise<string[]> {
    const written: string[] = [];
    for (const [path, file] of [...this.silver].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      await file.commit();
      written.push(path);
    }
    if (withGold && this.gold && this.reference) {
      await this.gold.commit();
      await this.reference.write('\n  }\n}\n');
      await this.reference.commit();
    } else {
      await this.gold?.abort();
      await this.reference?.abort();
    }
    return written;
  }

  async abort(): Promise<void> {
    for (const file of this.silver.values()) await file.abort();
    await this.gold?.abort();
    await this.reference?.abort();
  }
}

async function publishOutputs(
  out: string,
  result: Awaited<ReturnType<typeof streamDataPipeline>>,
  staged: StagedOutputs,
  config: DataConfig,
  configHash: string,
  runDate: string,
): Promise<string[]> {
  await ensureDir(out);
  const accepted = result.outcomes.some((o) => o.status === 'accepted');
  const withGold = accepted && staged.goldRows > 0;
  const written = await staged.commit(withGold);
  if (result.indicators && result.outcomes.some((o) => o.status === 'accepted' && o.kind === 'indicators')) {
    const path = join(out, 'silver', 'indicators', 'risk_indicators.csv');
    await writeAtomic(path, indicatorsCsv(result.indicators));
    written.push(path);
  }
  for (const o of result.outcomes) if (o.status === 'rejected') written.push(...(await quarantine(out, o)));
  if (withGold) {
    const gold = join(out, 'gold', 'features_final.csv');
    const referencePath = join(out, 'gold', 'reference.json');
    const metadata = runMetadata({
      outcomes: result.outcomes,
      gold: result.gold,
      config,
      configHash,
      runDate,
      referenceFile: 'reference.json',
    });
    const metadataPath = join(out, 'gold', 'metadata.json');
    await writeJson(metadataPath, metadata);
    for (const layer of ['bronze', 'silver', 'gold'] as const) {
      const path = join(out, 'reports', `quality-${layer}.json`);
      await writeJson(path, {
        layer,
        runDate,
        combined: metadata.quality[layer],
        files:
          layer === 'gold'
            ? undefined
            : metadata.sources.map((s) => ({ file: s.file, status: s.status, quality: s.quality[layer] })),
      });
      written.push(path);
    }
    written.push(gold, metadataPath, referencePath);
  }
  return written;
}

/** Copies a rejected file to DIR/quarantine/ beside its report; the original is left untouched. */
async function quarantine(out: string, o: Extract<FileOutcome, { status: 'rejected' }>): Promise<string[]> {
  const dir = join(out, 'quarantine');
  await ensureDir(dir);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const name = `${stamp}-${basename(o.file)}`;
  await copyFile(o.file, join(dir, name));
  const report = join(dir, `${name}.report.json`);
  await writeJson(report, {
    quarantinedAs: name,
    rejectedAt: new Date().toISOString(),
    ...o.rejection,
    bronze: o.bronze ?? null,
    silver: o.silver ?? null,
  });
  return [join(dir, name), report];
}

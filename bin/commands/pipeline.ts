/**
 * `finml pipeline <bronze.csv…> --out DIR`: bronze → silver → gold on local files.
 * Silver partitions already in DIR/silver are the symbols' history: new files merge into them.
 */
import { copyFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '#config/load';
import type { DataConfig } from '#config/schema';
import { indicatorsCsv, readIndicatorsCsv } from '#shared/data/indicators';
import { runMetadata } from '#shared/data/metadata';
import type { FileOutcome } from '#shared/data/pipeline';
import { runDataPipeline } from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { goldCsv, readSilverCsv, silverCsv } from '#shared/data/tables';
import { formatIsoDay, parseIsoDay, utcDay } from '#shared/data/values';
import { type Command, UsageError } from '../cli.ts';
import { ensureDir, fileChunks, writeAtomic, writeJson } from '../files.ts';
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

    const existing = await readSilverPartitions(join(out, 'silver'));
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
    const result = await runDataPipeline(inputs, existing, {
      config,
      runDay,
      ...(indicators ? { indicators } : {}),
    });

    const runDate = formatIsoDay(runDay);
    const written = await writeOutputs(out, result, config, hash, runDate);
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

async function readSilverPartitions(dir: string): Promise<Map<string, SilverSeries>> {
  const map = new Map<string, SilverSeries>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.csv')).sort()) {
    const series = await readSilverCsv(fileChunks(join(dir, name)), join(dir, name));
    map.set(series.symbol, series);
  }
  return map;
}

/** A file-system-safe partition name for a symbol. */
export function partitionName(symbol: string): string {
  return `${encodeURIComponent(symbol).replace(/\./g, '%2E')}.csv`;
}

async function writeOutputs(
  out: string,
  result: Awaited<ReturnType<typeof runDataPipeline>>,
  config: DataConfig,
  configHash: string,
  runDate: string,
): Promise<string[]> {
  const written: string[] = [];
  await ensureDir(out);
  for (const symbol of [...result.touched].sort()) {
    const path = join(out, 'silver', partitionName(symbol));
    await writeAtomic(path, silverCsv(result.histories.get(symbol)!));
    written.push(path);
  }
  if (result.indicators && result.outcomes.some((o) => o.status === 'accepted' && o.kind === 'indicators')) {
    const path = join(out, 'silver', 'indicators', 'risk_indicators.csv');
    await writeAtomic(path, indicatorsCsv(result.indicators));
    written.push(path);
  }
  for (const o of result.outcomes) if (o.status === 'rejected') written.push(...(await quarantine(out, o)));

  const accepted = result.outcomes.some((o) => o.status === 'accepted');
  const goldRows = result.gold.series.reduce((s, g) => s + g.length, 0);
  if (accepted && goldRows > 0) {
    const gold = join(out, 'gold', 'features_final.csv');
    await writeAtomic(
      gold,
      (function* () {
        let first = true;
        for (const g of result.gold.series) {
          if (g.length === 0) continue;
          yield* goldCsv(g, config.regimes.labels, first);
          first = false;
        }
      })(),
    );
    const referencePath = join(out, 'gold', 'reference.json');
    await writeJson(referencePath, {
      description: 'Sorted reference samples per symbol and feature: the scale each regime was scored on.',
      symbols: Object.fromEntries(
        [...result.gold.references].map(([symbol, r]) => [
          symbol,
          {
            source: r.source,
            ...Object.fromEntries(Object.entries(r.sample).map(([f, v]) => [f, Array.from(v)])),
          },
        ]),
      ),
    });
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

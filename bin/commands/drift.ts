/** `finml drift --model model.json --current FILE`: is the newest data still like the training data? */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '#config/load';
import { readCsvRecords } from '#shared/data/csv';
import { readGoldInput } from '#shared/data/parquet-tables';
import { runDataPipeline } from '#shared/data/pipeline';
import type { GoldTable } from '#shared/data/tables';
import { utcDay } from '#shared/data/values';
import { modelReferences, parseArtifact } from '#shared/model/artifact';
import { driftReport } from '#shared/monitoring/drift-report';
import { type Command, notAFile, UsageError } from '../cli.ts';
import { fileChunks, goldFiles, isParquetFile } from '../files.ts';
import { formatDriftReport } from '../views/drift-report.ts';

export const driftCommand: Command = {
  summary: 'drift of new data against a model: KS, PSI, regime mix, chain test, anomalies, verdict',
  usage: `Usage: finml drift --model model.json --current FILE [--json] [--config DIR]

FILE is a gold folder or file (e.g. out/gold, whose history may include the training rows)
or a bronze market CSV (cleaned and scored on the model's scale first). The newest window of each
symbol (monitoring drift.windowRows) is compared with the reference. Exit status 0 whatever the
verdict; the verdict (ok / warn / retrain) and its reasons are printed.`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        current: { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
    });
    if (values.model === undefined) throw new UsageError('--model model.json is required');
    if (values.current === undefined)
      throw new UsageError('--current FILE is required (a gold folder or file, or a bronze CSV)');
    const { config } = loadConfig(values.config);
    const model = parseArtifact(
      await readFile(values.model, 'utf8').catch(() => {
        throw new UsageError(`no model file at ${values.model}: run "finml train" first`);
      }),
      values.model,
    );
    const files = await goldFiles(values.current);
    if (files.length === 0) {
      const s = await stat(values.current).catch(() => undefined);
      if (s?.isDirectory()) {
        throw new UsageError(
          `no gold at ${values.current}: name a gold folder (e.g. out/gold, with features/symbol=*/), a gold file or a bronze CSV`,
        );
      }
      if (!s?.isFile()) throw new UsageError(notAFile(values.current, s));
    }
    const gold = files.length > 1 || (files.length === 1 && (await isGoldFile(files[0]!)));
    const tables = gold
      ? await goldTables(files)
      : await bronzeTables(values.current, model, config.data, utcDay(new Date()));
    const report = driftReport({
      model,
      tables,
      monitoring: config.monitoring,
      data: config.data,
      now: new Date(),
      // A gold file is the lake's history (it holds the training rows); a bronze file is new data only.
      referenceFrom: gold ? 'history' : 'model',
    });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatDriftReport(report));
    return 0;
  },
};

async function bronzeTables(
  file: string,
  model: Parameters<typeof modelReferences>[0],
  data: Parameters<typeof runDataPipeline>[2]['config'],
  runDay: number,
): Promise<GoldTable[]> {
  // A bronze file alone is new data without its history: point-in-time scores would have no burn-in
  // behind them, so its rows are scored on the model's scale (the reference mode) instead.
  const result = await runDataPipeline([{ name: file, chunks: fileChunks(file) }], new Map(), {
    config: { ...data, scoring: { ...data.scoring, mode: 'reference' } },
    runDay,
    modelReferences: modelReferences(model),
  });
  const outcome = result.outcomes[0]!;
  if (outcome.status === 'rejected') throw new UsageError(outcome.rejection.message);
  return result.gold.series;
}

async function goldTables(files: readonly string[]): Promise<GoldTable[]> {
  const tables: GoldTable[] = [];
  for (const file of files) for (const t of await readGoldInput(fileChunks(file), file)) tables.push(t);
  return tables;
}

async function isGoldFile(file: string): Promise<boolean> {
  if (await isParquetFile(file)) return true;
  for await (const batch of readCsvRecords(fileChunks(file), { file })) {
    return batch[0]!.cells.includes('markov_state');
  }
  return false;
}

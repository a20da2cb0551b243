/**
 * `finml eda <file>`: an exploratory profile of one bronze CSV or silver or gold file — overview,
 * missing values, outliers, correlations, distributions, rolling trend, seasonality, stationarity
 * and, for gold, regimes and the model-input checks. The computations are in shared/eda.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '#config/load';
import { DataRejectedError } from '#shared/data/errors';
import { isIndicatorFile } from '#shared/data/indicators';
import { parseIsoDay, utcDay } from '#shared/data/values';
import type { HistogramBins } from '#shared/eda/histogram';
import { type EdaLayer, type EdaOptions, EdaOptionsError, profileFile } from '#shared/eda/profile';
import { inferLayer, readHeader } from '#shared/eda/tables';
import { type Command, notAFile, UsageError } from '../cli.ts';
import { fileChunks, writeJson } from '../files.ts';
import { formatEdaReport } from '../views/eda-report.ts';

const LAYERS: readonly EdaLayer[] = ['bronze', 'silver', 'gold'];

const usage = `Usage: finml eda <file> [--layer bronze|silver|gold] [--json] [--out report.json]
                 [--bins auto|fd|sturges|N] [--window N] [--run-date YYYY-MM-DD] [--config DIR]

Profiles one file of any data layer — a bronze CSV, or a silver or gold partition of a
"finml pipeline" folder (Parquet, e.g. out/gold/features/symbol=SPX/part-0000.parquet; a silver or
gold CSV is read too): overview, missing-value patterns, feature statistics, outliers
(IQR and |z|), Pearson / Spearman correlations, histograms, a rolling trend per year, day-of-week
and month effects, ADF stationarity; for gold also regimes, transitions and the model-input checks.
A bronze file is read through the bronze and silver rules, so dropped rows are reported.

Options:
  --layer LAYER      bronze, silver or gold; default: from the columns (gold: risk_score and
                     markov_state columns; silver: the FINML silver columns; otherwise bronze)
  --json             print the report as one JSON document
  --out FILE         also write the JSON report to FILE
  --bins B           histogram bins: numpy's "auto" (default), "fd", "sturges", or a count
  --window N         returns per rolling window (default 63)
  --run-date DATE    bronze: rows dated after it are dropped; default: today (UTC)
  --config DIR       folder with the config YAML files; default: config/

Exit status: 0 profiled, 2 the file was rejected (unreadable, or not of the given layer), 1 usage error.`;

export const edaCommand: Command = {
  summary:
    'profile a bronze CSV or a silver or gold file (missing values, outliers, correlations, trend, stationarity)',
  usage,
  async run(args) {
    const { values, positionals } = parseOptions(args);
    if (positionals.length !== 1) throw new UsageError('name exactly one file');
    const file = positionals[0]!;
    const layer = values.layer;
    if (layer !== undefined && !LAYERS.includes(layer as EdaLayer)) {
      throw new UsageError(`--layer must be bronze, silver or gold, got "${layer}"`);
    }
    const runDay = values['run-date'] === undefined ? utcDay(new Date()) : parseIsoDay(values['run-date']);
    if (runDay === undefined) throw new UsageError(`--run-date "${values['run-date']}" is not YYYY-MM-DD`);
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) throw new UsageError(notAFile(file, s));
    const { config } = loadConfig(values.config);
    // Risk indicators (a risk_indicators/ file, or the silver indicator table) are not market data.
    if (
      isIndicatorFile(file.replaceAll('\\', '/'), config.data) ||
      /[\\/]indicators[\\/]part-\d+\.parquet$/.test(file)
    ) {
      throw new UsageError(
        `${file} is a risk-indicator file: finml eda profiles market data. "finml pipeline" checks an indicator file's rows (its quality report names the dropped ones), and gold carries each indicator as a column — profile a gold partition to see them`,
      );
    }
    const options: EdaOptions = {
      ...(values.bins === undefined ? {} : { bins: parseBins(values.bins) }),
      ...(values.window === undefined ? {} : { rollingWindow: parseInteger('--window', values.window) }),
      folds: config.model.evaluation.folds,
    };

    let report: Awaited<ReturnType<typeof profileFile>>;
    try {
      const chosen =
        (layer as EdaLayer | undefined) ?? inferLayer((await readHeader(fileChunks(file), file)) ?? []);
      report = await profileFile(
        chosen,
        { name: file, chunks: fileChunks(file) },
        { config: config.data, runDay, options },
      );
    } catch (error) {
      if (error instanceof EdaOptionsError) throw new UsageError(error.message);
      if (error instanceof DataRejectedError) return rejected(error, values.json);
      throw error;
    }
    if (values.out !== undefined) await writeJson(values.out, report);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatEdaReport(report));
    if (values.out !== undefined && !values.json) process.stdout.write(`\nWrote ${values.out}\n`);
    return 0;
  },
};

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        layer: { type: 'string' },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        bins: { type: 'string' },
        window: { type: 'string' },
        'run-date': { type: 'string' },
        config: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseBins(text: string): HistogramBins {
  if (text === 'auto' || text === 'fd' || text === 'sturges') return text;
  return parseInteger('--bins', text);
}

function parseInteger(option: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} must be a positive integer, got "${text}"`);
  return Number(text);
}

/** The pipeline's rejection message; exit 2. */
function rejected(error: DataRejectedError, json: boolean): number {
  if (json) {
    const rejection = {
      code: error.code,
      ...(error.line === undefined ? {} : { line: error.line }),
      reason: error.reason,
      message: error.message,
    };
    process.stdout.write(`${JSON.stringify({ file: error.file, status: 'rejected', rejection }, null, 2)}\n`);
  } else {
    process.stderr.write(`✗ ${error.message}\n`);
  }
  return 2;
}

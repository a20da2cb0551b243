/** `finml experiment sensitivity|ablation|stability`: the regime recipe under different settings. */
import { parseArgs } from 'node:util';
import { loadConfig } from '#config/load';
import { readSilverInput } from '#shared/data/parquet-tables';
import type { SilverSeries } from '#shared/data/series';
import { utcDay } from '#shared/data/values';
import { ablation, type ExperimentRow, sensitivity, stability } from '#shared/model/experiments';
import { type Command, UsageError } from '../cli.ts';
import { fileChunks, silverFiles } from '../files.ts';

const KINDS = ['sensitivity', 'ablation', 'stability'] as const;

export const experimentCommand: Command = {
  summary: 'sensitivity, ablation and stability experiments on the regime recipe',
  usage: `Usage: finml experiment <sensitivity|ablation|stability> [--silver DIR] [--json] [--config DIR]

Rebuilds gold from the silver histories in DIR (default out/silver, written by "finml pipeline")
for each setting and runs the same walk-forward evaluation:
  sensitivity  sweep α, the regime thresholds, the volatility window and the score weights
               (the lists in config/model.yaml experiments.sensitivity), one at a time
  ablation     each risk-score feature removed in turn
  stability    P and π on rolling windows (experiments.stability), with the largest changes`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        silver: { type: 'string', default: 'out/silver' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
      },
    });
    const kind = positionals[0] as (typeof KINDS)[number] | undefined;
    if (kind === undefined || !KINDS.includes(kind))
      throw new UsageError(`name the experiment: ${KINDS.join(', ')}`);
    const { config } = loadConfig(values.config);
    const histories = await readSilverDir(values.silver);
    const ctx = { histories, data: config.data, model: config.model, runDay: utcDay(new Date()) };
    if (kind === 'stability') {
      const result = stability(ctx);
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatStability(result));
      return 0;
    }
    const rows = kind === 'sensitivity' ? sensitivity(ctx) : ablation(ctx);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ experiment: kind, rows }, null, 2)}\n`
        : formatRows(kind, rows, config.data.regimes.labels),
    );
    return 0;
  },
};

async function readSilverDir(dir: string): Promise<SilverSeries[]> {
  const files = await silverFiles(dir);
  if (files.length === 0)
    throw new UsageError(`no silver partitions in ${dir}: run "finml pipeline <file.csv> --out out" first`);
  return Promise.all(files.map((f) => readSilverInput(fileChunks(f), f)));
}

const f = (x: number | null, d = 3) => (x === null ? 'n/a' : x.toFixed(d));

function formatRows(kind: string, rows: ExperimentRow[], labels: readonly string[]): string {
  const out = [`FINML experiment: ${kind} (walk-forward, out-of-fold metrics)`, ''];
  const head = [
    'parameter',
    'value',
    'gold rows',
    labels.map((l) => `%${l}`).join(' '),
    'accuracy',
    'macro F1',
    'log loss',
    'Brier',
    'ROC AUC',
    'persist. LL',
    'climat. LL',
  ];
  out.push(head.join(' | '));
  for (const r of rows) {
    out.push(
      [
        r.parameter,
        r.value,
        r.goldRows,
        r.regimeShares.map((s) => (s * 100).toFixed(0)).join(' / '),
        f(r.model.accuracy),
        f(r.model.f1Macro),
        f(r.model.logLoss),
        f(r.model.brier),
        f(r.model.rocAuc),
        f(r.persistence.logLoss),
        f(r.climatology.logLoss),
      ].join(' | '),
    );
  }
  return `${out.join('\n')}\n`;
}

function formatStability(s: ReturnType<typeof stability>): string {
  const out = [
    `FINML experiment: stability — ${s.windows.length} rolling windows`,
    '',
    'Largest changes between consecutive windows:',
  ];
  for (const c of s.largestChanges) {
    out.push(
      `  ${c.at}  ${c.quantity.padEnd(24)} ${f(c.before)} → ${f(c.after)}  (${c.change >= 0 ? '+' : ''}${f(c.change)})`,
    );
  }
  out.push('', 'Windows (π per regime):');
  for (const w of s.windows)
    out.push(`  ${w.from} … ${w.to}  π = ${w.stationary.map((p) => f(p)).join(' / ')}`);
  return `${out.join('\n')}\n`;
}

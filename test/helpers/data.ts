/** Test helpers for the data layers: in-memory bronze inputs and the default config. */
import { loadConfig } from '#config/load';
import type { DataConfig } from '#config/schema';
import type { BronzeInput } from '#shared/data/bronze';
import type { GoldSeries } from '#shared/data/gold';
import { parseIsoDay } from '#shared/data/values';

export const dataConfig = (): DataConfig => loadConfig().config.data;

/** A run day well after every fixture date. */
export const RUN_DAY = parseIsoDay('2026-11-26')!;

/** A bronze input from text or bytes, split into chunks of `chunkSize` bytes (to test chunk boundaries). */
export function bronze(name: string, content: string | Uint8Array, chunkSize = 1 << 16): BronzeInput {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    name,
    chunks: (async function* () {
      for (let i = 0; i < bytes.length; i += chunkSize)
        yield bytes.subarray(i, Math.min(bytes.length, i + chunkSize));
    })(),
  };
}

/** A daily close series as CSV text: one row per business day from 2020-01-01. */
export function closesCsv(closes: ReadonlyArray<number | string>, header = 'date,close'): string {
  const rows = [header];
  let day = parseIsoDay('2020-01-01')!;
  for (const c of closes) {
    rows.push(`${isoOf(day)},${c}`);
    day++;
  }
  return `${rows.join('\n')}\n`;
}

export function isoOf(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The sample's last `rows` days with the daily moves of the last `shifted` days multiplied by
 * `factor` (open/high/low/close/adjclose scaled together): a file whose volatility clearly drifts.
 */
export function shiftedSample(sample: string, rows: number, shifted: number, factor: number): string {
  const lines = sample.trim().split('\n');
  const header = lines[0]!;
  const data = lines.slice(-rows).map((l) => l.split(','));
  let previousOld = Number(data[rows - shifted - 1]![4]);
  let previousNew = previousOld;
  for (const row of data.slice(rows - shifted)) {
    const close = Number(row[4]);
    const next = previousNew * (close / previousOld) ** factor;
    const ratio = next / close;
    for (const c of [1, 2, 3, 4, 5]) row[c] = (Number(row[c]) * ratio).toFixed(6);
    previousOld = close;
    previousNew = next;
  }
  return `${[header, ...data.map((r) => r.join(','))].join('\n')}\n`;
}

/** The first `n` rows of a gold series (views, no copy): what a shorter history's gold was. */
export function firstGoldRows(g: GoldSeries, n: number): GoldSeries {
  return {
    ...g,
    length: n,
    day: g.day.subarray(0, n),
    price: g.price.subarray(0, n),
    log_return: g.log_return.subarray(0, n),
    realized_vol_21d: g.realized_vol_21d.subarray(0, n),
    drawdown: g.drawdown.subarray(0, n),
    risk_score: g.risk_score.subarray(0, n),
    markov_state: g.markov_state.subarray(0, n),
    regime_age: g.regime_age.subarray(0, n),
    scores: Object.fromEntries(Object.entries(g.scores).map(([k, v]) => [k, v.subarray(0, n)])),
  };
}

/**
 * The gold CSV readers: readGoldCsv gives back every column goldCsv wrote, bit for bit;
 * readModelGoldCsv (what `finml train` reads) the same rows without price and risk_score.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { GoldSeries } from '#shared/data/gold';
import { runDataPipeline } from '#shared/data/pipeline';
import { goldCsv, readGoldCsv, readModelGoldCsv } from '#shared/data/tables';
import { bronze, dataConfig, RUN_DAY } from '../../helpers/data.ts';

const SAMPLE = 'data/samples/sp500-2000.csv';

async function* once(text: string): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode(text);
}

let series: GoldSeries;
let text: string;
beforeAll(async () => {
  const config = dataConfig();
  const { gold } = await runDataPipeline([bronze(SAMPLE, readFileSync(SAMPLE))], new Map(), {
    config,
    runDay: RUN_DAY,
  });
  series = gold.series[0]!;
  text = [...goldCsv(series, config.regimes.labels)].join('');
});

describe('gold CSV readers', () => {
  test('readGoldCsv returns every column goldCsv wrote, value for value', async () => {
    const [t] = await readGoldCsv(once(text), 'gold.csv');
    expect(t!.length).toBe(series.length);
    expect(Array.from(t!.day)).toEqual(Array.from(series.day));
    for (const column of ['price', 'log_return', 'realized_vol_21d', 'drawdown', 'risk_score'] as const) {
      expect(Array.from(t![column])).toEqual(Array.from(series[column]));
    }
    expect(Array.from(t!.markov_state)).toEqual(Array.from(series.markov_state));
    expect(Array.from(t!.regime_age)).toEqual(Array.from(series.regime_age));
  });

  test('readModelGoldCsv returns the same rows without price and risk_score', async () => {
    const [full] = await readGoldCsv(once(text), 'gold.csv');
    const [model] = await readModelGoldCsv(once(text), 'gold.csv');
    const { price: _price, risk_score: _risk, ...rest } = full!;
    expect(Object.keys(model!).sort()).toEqual(Object.keys(rest).sort());
    for (const [key, value] of Object.entries(rest)) {
      const read = (model as unknown as Record<string, unknown>)[key];
      expect(ArrayBuffer.isView(value) ? Array.from(read as Float64Array) : read).toEqual(
        ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : value,
      );
    }
  });

  test('readModelGoldCsv still rejects a row with a corrupt model column, naming the line', async () => {
    const lines = text.split('\n');
    const header = lines[0]!.split(',');
    const cells = lines[5]!.split(',');
    cells[header.indexOf('drawdown')] = 'x';
    lines[5] = cells.join(',');
    await expect(readModelGoldCsv(once(lines.join('\n')), 'gold.csv')).rejects.toThrow(/gold\.csv.*line 6/);
  });

  // A walk's gold CSVs edited as in a spreadsheet: train crashed on them (a stack trace, dates as day
  // numbers) and drift read a window whose end came before its start.
  test('rows out of date order, or a date twice, are rejected naming both lines', async () => {
    const lines = text.split('\n');
    const swapped = [lines[0], lines[1], lines[3], lines[2], ...lines.slice(4)].join('\n');
    const date = (i: number) => lines[i]!.split(',')[0];
    await expect(readGoldCsv(once(swapped), 'gold.csv')).rejects.toThrow(
      `gold.csv, line 4: SP500-2000: ${date(2)} after ${date(3)} (line 3): a gold file holds each symbol’s days once, in date order`.replace(
        '’',
        "'",
      ),
    );
    const twice = [lines[0], lines[1], lines[2], lines[2], ...lines.slice(3)].join('\n');
    await expect(readModelGoldCsv(once(twice), 'gold.csv')).rejects.toThrow(
      `gold.csv, line 4: SP500-2000: ${date(2)} again (line 3)`,
    );
  });

  test('a markov_state paired with two regime labels, or a label with two states, is rejected naming the lines', async () => {
    const lines = text.split('\n');
    const header = lines[0]!.split(',');
    const [stateCol, regimeCol] = [header.indexOf('markov_state'), header.indexOf('regime')];
    const first = lines[1]!.split(',');
    const i = lines.findIndex((l, k) => k > 1 && l.split(',')[stateCol] !== first[stateCol]);
    const relabelled = lines[i]!.split(',');
    relabelled[regimeCol] = first[regimeCol]!;
    const edited = [...lines];
    edited[i] = relabelled.join(',');
    await expect(readGoldCsv(once(edited.join('\n')), 'gold.csv')).rejects.toThrow(
      `gold.csv, line ${i + 1}: regime "${first[regimeCol]}" with markov_state ${relabelled[stateCol]}, but line 2 has "${first[regimeCol]}" with markov_state ${first[stateCol]}`,
    );
    const restated = [...lines];
    const other = lines[i]!.split(',');
    other[stateCol] = '9';
    restated[i] = other.join(',');
    await expect(readGoldCsv(once(restated.join('\n')), 'gold.csv')).rejects.toThrow(
      /regime "\w+" with markov_state \d, but line \d+ has "\w+" with markov_state 9: the two columns disagree/,
    );
  });

  test('labels are checked per symbol: an export after a change of regimes.labels holds two symbols with other names of one state', async () => {
    const lines = text.split('\n');
    const header = lines[0]!.split(',');
    const [symbolCol, regimeCol] = [header.indexOf('symbol'), header.indexOf('regime')];
    const names: Record<string, string> = { Low: 'Calm', Medium: 'Choppy', High: 'Stormy' };
    const renamed = lines
      .slice(1)
      .filter(Boolean)
      .map((l) => {
        const c = l.split(',');
        c[symbolCol] = 'OTHER';
        c[regimeCol] = names[c[regimeCol]!]!;
        return c.join(',');
      });
    const both = [...lines.filter(Boolean), ...renamed].join('\n');
    const tables = await readGoldCsv(once(both), 'gold.csv');
    expect(tables.map((t) => [t.symbol, t.length])).toEqual([
      ['SP500-2000', series.length],
      ['OTHER', series.length],
    ]);
  });
});

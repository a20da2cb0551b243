/**
 * The serving model of the coldstart case's first request to /predict, of realistic size: a regime
 * sequence drawn from the S&P 500 sample's fitted chain, analysed with config/model.yaml's settings
 * as training does, and `symbols` symbols in `latest`. Built in the parent (prepare).
 */
import type { ModelConfig } from '#config/schema';
import { analyseChain, transitionCounts } from '#shared/model/markov';
import { type ServingModelRecord, servingModelOf } from '#shared/model/serving-model';
import { chainOptions } from '#shared/model/train';
import { createRandom } from '#shared/stats/random';

/** The S&P 500 sample's gold transition counts (test/integration/usecases/cloud-flow.test.ts). */
const SAMPLE_COUNTS = [
  [1392, 65, 0],
  [65, 1963, 49],
  [0, 49, 1500],
];

/** Symbol `i` of the fake universe: SYM0001, SYM0002, … */
export const fakeSymbol = (i: number): string => `SYM${String(i + 1).padStart(4, '0')}`;

/**
 * A serving model as registration would write it: a state sequence drawn from the sample's fitted
 * chain, analysed as training does (every horizon up to maxHorizon, posterior intervals), and
 * `symbols` symbols with a latest regime each.
 */
export function benchServingModel(model: ModelConfig, labels: string[], symbols: number): ServingModelRecord {
  const random = createRandom(8);
  const rows = SAMPLE_COUNTS.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => c / total);
  });
  const sequence = new Int32Array(5_000);
  for (let t = 1; t < sequence.length; t++) {
    let u = random.uniform();
    const row = rows[sequence[t - 1]!]!;
    let next = 0;
    while (next < row.length - 1 && u >= row[next]!) u -= row[next++]!;
    sequence[t] = next;
  }
  const markov = analyseChain(
    transitionCounts([sequence], labels.length),
    [sequence],
    chainOptions(model, labels),
  );
  const latest: ServingModelRecord['latest'] = {};
  for (let i = 0; i < symbols; i++) {
    const state = Math.floor(random.uniform() * labels.length);
    latest[fakeSymbol(i)] = { date: '2020-04-17', state, regime: labels[state]! };
  }
  return servingModelOf({ version: '20260101T000000-bench000', labels, markov, latest });
}

/**
 * A model for serving tests without training: a fixed regime sequence analysed with the config's
 * chain settings (as training does), wrapped as an artifact-shaped object with extra fields that
 * serving must ignore, and a few symbols' latest regimes.
 */
import { loadConfig } from '#config/load';
import { analyseChain, transitionCounts } from '#shared/model/markov';
import type { ServingModel } from '#shared/model/serving-model';
import { chainOptions } from '#shared/model/train';

const { config } = loadConfig();
export const LABELS = config.data.regimes.labels;

/** A regime sequence that visits every state and moves between neighbours. */
const SEQUENCE = Int32Array.from(
  { length: 3_000 },
  (_, i) => [0, 0, 1, 1, 1, 2, 2, 1][Math.floor(i / 5) % 8]!,
);

let analysis: ReturnType<typeof analyseChain> | undefined;

/** The chain analysis (computed once per test file). */
export function chainAnalysis() {
  analysis ??= analyseChain(
    transitionCounts([SEQUENCE], LABELS.length),
    [SEQUENCE],
    chainOptions(config.model, LABELS),
  );
  return analysis;
}

/** An artifact-like model: the serving fields, plus fields serving does not read. */
export function artifactLike(version = '20260101T000000-aaaaaaaa', symbols = ['SPX', 'NDX']) {
  const latest: ServingModel['latest'] = {};
  symbols.forEach((symbol, i) => {
    const state = i % LABELS.length;
    latest[symbol] = { date: '2020-04-17', state, regime: LABELS[state]! };
  });
  return {
    kind: 'finml-regime-model' as const,
    schemaVersion: 1 as const,
    version,
    createdAt: '2026-01-01T00:00:00.000Z',
    labels: [...LABELS],
    markov: chainAnalysis(),
    scoring: { references: { SPX: { log_return: [0.1, 0.2] } } },
    latest,
  };
}

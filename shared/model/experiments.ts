/**
 * Experiments on the regime recipe (what the seed project kept in MLflow): sensitivity of the
 * evaluation to α, the regime thresholds, the volatility window and the score weights; ablation of
 * each risk-score feature; and stability of P and π over time on rolling windows.
 * Every setting rebuilds gold from the same silver histories and runs the same walk-forward folds.
 */
import type { DataConfig, ModelConfig } from '#config/schema';
import { FEATURES, type Feature } from '#shared/data/gold';
import { buildGold } from '#shared/data/pipeline';
import type { SilverSeries } from '#shared/data/series';
import { formatIsoDay } from '#shared/data/values';
import {
  buildPredictionPairs,
  type ClassificationMetrics,
  evaluateWalkForward,
  markovFit,
} from '#shared/evaluation/index';
import { fitTransitionMatrix, stationaryDistribution, transitionCounts } from './markov.ts';

export interface ExperimentRow {
  /** What was varied (`alpha`, `thresholds`, `volatilityWindow`, `weights`, `without`, `default`). */
  parameter: string;
  /** The value of this setting, readable (e.g. "0.3 / 0.7"). */
  value: string;
  goldRows: number;
  /** Share of gold days in each regime. */
  regimeShares: number[];
  model: Headline;
  persistence: Headline;
  climatology: Headline;
}

export interface Headline {
  accuracy: number;
  f1Macro: number;
  logLoss: number;
  brier: number;
  rocAuc: number | null;
}

interface Context {
  histories: readonly SilverSeries[];
  data: DataConfig;
  model: ModelConfig;
  runDay: number;
}

/** One setting: gold rebuilt with `data`, the chain fitted with `alpha`, evaluated on the folds. */
function evaluateSetting(
  ctx: Context,
  data: DataConfig,
  alpha: number,
  parameter: string,
  value: string,
): ExperimentRow {
  const gold = buildGold(ctx.histories, { config: data, runDay: ctx.runDay }).series.filter(
    (g) => g.length > 0,
  );
  const K = data.regimes.labels.length;
  const pairs = buildPredictionPairs(
    gold.map((g) => ({ symbol: g.symbol, dates: Array.from(g.day), states: g.markov_state })),
    { numStates: K },
  );
  const report = evaluateWalkForward(pairs, markovFit(alpha), {
    numStates: K,
    split: { nSplits: ctx.model.evaluation.folds },
    persistenceEpsilon: ctx.model.evaluation.persistenceEpsilon,
  });
  const rows = gold.reduce((n, g) => n + g.length, 0);
  const shares = new Array<number>(K).fill(0);
  for (const g of gold) for (const s of g.markov_state) shares[s]! += 1 / rows;
  const m = report.overall.metrics;
  return {
    parameter,
    value,
    goldRows: rows,
    regimeShares: shares,
    model: headline(m.model),
    persistence: headline(m.persistence),
    climatology: headline(m.climatology),
  };
}

function headline(m: ClassificationMetrics): Headline {
  return {
    accuracy: m.accuracy,
    f1Macro: m.f1Macro,
    logLoss: m.logLoss,
    brier: m.brier,
    rocAuc: m.rocAucOvrMacro,
  };
}

const withData = (
  d: DataConfig,
  patch: Partial<{
    thresholds: DataConfig['regimes']['thresholds'];
    weights: DataConfig['regimes']['weights'];
    volatilityWindow: number;
  }>,
): DataConfig => ({
  ...d,
  regimes: {
    ...d.regimes,
    ...(patch.thresholds ? { thresholds: patch.thresholds } : {}),
    ...(patch.weights ? { weights: patch.weights } : {}),
  },
  features: {
    ...d.features,
    ...(patch.volatilityWindow ? { volatilityWindow: patch.volatilityWindow } : {}),
  },
});

/** Sweeps each parameter list of config experiments.sensitivity, one at a time. */
export function sensitivity(ctx: Context): ExperimentRow[] {
  const s = ctx.model.experiments.sensitivity;
  const alpha0 = ctx.model.markov.alpha;
  const rows = [evaluateSetting(ctx, ctx.data, alpha0, 'default', describeDefault(ctx))];
  for (const alpha of s.alpha) rows.push(evaluateSetting(ctx, ctx.data, alpha, 'alpha', String(alpha)));
  for (const [low, high] of s.thresholds) {
    if (low > high) continue;
    rows.push(
      evaluateSetting(
        ctx,
        withData(ctx.data, { thresholds: { low, high } }),
        alpha0,
        'thresholds',
        `${low} / ${high}`,
      ),
    );
  }
  for (const window of s.volatilityWindow) {
    rows.push(
      evaluateSetting(
        ctx,
        withData(ctx.data, { volatilityWindow: window }),
        alpha0,
        'volatilityWindow',
        String(window),
      ),
    );
  }
  for (const [vol, dd] of s.weights) {
    if (vol + dd <= 0) continue;
    const weights = { realized_vol_21d: vol, drawdown: dd };
    rows.push(
      evaluateSetting(ctx, withData(ctx.data, { weights }), alpha0, 'weights', `vol ${vol} / drawdown ${dd}`),
    );
  }
  return rows;
}

/** Each weighted risk-score feature removed in turn (its weight set to 0), beside the full recipe. */
export function ablation(ctx: Context): ExperimentRow[] {
  const alpha = ctx.model.markov.alpha;
  const weighted = FEATURES.filter((f) => (ctx.data.regimes.weights[f] ?? 0) > 0);
  const rows = [evaluateSetting(ctx, ctx.data, alpha, 'default', describeDefault(ctx))];
  for (const feature of weighted) {
    const weights: Partial<Record<Feature, number>> = { ...ctx.data.regimes.weights, [feature]: 0 };
    if (!Object.values(weights).some((w) => (w ?? 0) > 0)) continue;
    rows.push(evaluateSetting(ctx, withData(ctx.data, { weights }), alpha, 'without', feature));
  }
  return rows;
}

function describeDefault(ctx: Context): string {
  const r = ctx.data.regimes;
  return `α ${ctx.model.markov.alpha}, thresholds ${r.thresholds.low} / ${r.thresholds.high}, window ${ctx.data.features.volatilityWindow}, weights ${Object.entries(
    r.weights,
  )
    .map(([f, w]) => `${f} ${w}`)
    .join(', ')}`;
}

export interface StabilityWindow {
  from: string;
  to: string;
  pairs: number;
  /** Transitions out of each regime in the window. */
  rowTotals: number[];
  transitionMatrix: number[][];
  stationary: number[];
}

export interface StabilityChange {
  /** The later window's first date. */
  at: string;
  quantity: string;
  before: number;
  after: number;
  change: number;
}

/**
 * P and π fitted on rolling windows of `windowDays` consecutive gold dates (all symbols' pairs whose
 * both days fall in the window), moved by `stepDays`; and the largest changes between consecutive
 * windows, largest first. A row of P is compared only when both windows saw at least
 * `minRowTransitions` transitions out of that regime.
 */
export function stability(
  ctx: Context,
  top = 10,
): { windows: StabilityWindow[]; largestChanges: StabilityChange[] } {
  const { windowDays, stepDays, minRowTransitions } = ctx.model.experiments.stability;
  const labels = ctx.data.regimes.labels;
  const K = labels.length;
  const gold = buildGold(ctx.histories, { config: ctx.data, runDay: ctx.runDay }).series.filter(
    (g) => g.length > 0,
  );
  const days = [...new Set(gold.flatMap((g) => Array.from(g.day)))].sort((a, b) => a - b);
  const windows: StabilityWindow[] = [];
  for (let start = 0; start + windowDays <= days.length; start += stepDays) {
    const lo = days[start]!;
    const hi = days[start + windowDays - 1]!;
    const sequences = gold.map((g) => {
      const idx = Array.from(g.day).flatMap((d, i) => (d >= lo && d <= hi ? [i] : []));
      return idx.map((i) => g.markov_state[i]!);
    });
    const counts = transitionCounts(sequences, K);
    const fit = fitTransitionMatrix(counts, ctx.model.markov.alpha, ctx.model.markov.zeroRowPolicy);
    windows.push({
      from: formatIsoDay(lo),
      to: formatIsoDay(hi),
      pairs: counts.flat().reduce((a, b) => a + b, 0),
      rowTotals: fit.rowTotals,
      transitionMatrix: fit.matrix,
      stationary: stationaryDistribution(fit.matrix, fit.rowTotals),
    });
  }
  const changes: StabilityChange[] = [];
  for (let w = 1; w < windows.length; w++) {
    const a = windows[w - 1]!;
    const b = windows[w]!;
    for (let i = 0; i < K; i++) {
      changes.push({
        at: b.from,
        quantity: `π(${labels[i]})`,
        before: a.stationary[i]!,
        after: b.stationary[i]!,
        change: b.stationary[i]! - a.stationary[i]!,
      });
      if (a.rowTotals[i]! < minRowTransitions || b.rowTotals[i]! < minRowTransitions) continue;
      for (let j = 0; j < K; j++) {
        const before = a.transitionMatrix[i]![j]!;
        const after = b.transitionMatrix[i]![j]!;
        changes.push({
          at: b.from,
          quantity: `P(${labels[i]} → ${labels[j]})`,
          before,
          after,
          change: after - before,
        });
      }
    }
  }
  changes.sort((x, y) => Math.abs(y.change) - Math.abs(x.change));
  return { windows, largestChanges: changes.slice(0, top) };
}

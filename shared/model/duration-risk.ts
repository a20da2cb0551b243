/**
 * What a model keeps of the semi-Markov chain (DOMAIN §4.2) and of the regime-conditional risk
 * (DOMAIN §4.4, §5): fitted at training on all gold rows, stored in the artifact, projected into
 * the serving model, and read back by `predict`.
 *
 * - Semi-Markov: the fitted chain (jump chain Q, hazards by age with their constant tail) and, per
 *   regime, a summary a risk analyst reads — runs, the share of short runs against what a
 *   geometric stay predicts, survival S(d) beside the chain's P_ii^d, and the expected remaining
 *   days at a few ages with 95 % bootstrap intervals (over runs, seeded: config semiMarkov).
 * - Risk: per regime the next-day return distribution with VaR/ES; the h-day VaR/ES at the
 *   horizons of config risk.horizons from each start regime by seeded simulation (draws, seed) of
 *   regime paths of the fitted Markov chain P with each day's return drawn from the regime's
 *   empirical next-day returns; the out-of-fold 1-day VaR backtest beside historical simulation.
 *   The h-day paths are the chain's, not the semi-Markov chain's: a served curve must not depend
 *   on the age (one curve per regime, not per (regime, age)); docs/decisions/0020.
 */
import type { ModelConfig } from '#config/schema';
import type { VarOutOfFoldReport } from '#shared/evaluation/var-out-of-fold';
import { createRandom } from '#shared/stats/random';
import { sortedQuantile } from './markov.ts';
import {
  fitRegimeRisk,
  markovPathSampler,
  type RegimeReturnSeries,
  type ReturnDistribution,
  simulateHorizonRiskCurve,
} from './regime-risk.ts';
import {
  expectedRemainingDays,
  extractRuns,
  fitSemiMarkov,
  isCensored,
  type RegimeRun,
  type SemiMarkovFitOptions,
  type SemiMarkovModel,
  survivalCurve,
} from './semi-markov.ts';

/** The ages at which the report gives the expected remaining days. */
export const SUMMARY_AGES: readonly number[] = [1, 5, 21, 63];
/** The run lengths at which the report compares survival with the chain's. */
export const SURVIVAL_DAYS: readonly number[] = [1, 2, 5, 10, 21, 63, 126, 252];

/** The fitted semi-Markov chain as a model stores it (plain arrays; hazard[i][d], d = 0..D_i+1). */
export interface StoredSemiMarkov extends Omit<SemiMarkovModel, 'hazard'> {
  hazard: number[][];
  bootstrap: { samples: number; seed: number; mass: number };
  regimes: SemiMarkovRegimeSummary[];
}

export interface SemiMarkovRegimeSummary {
  regime: string;
  runs: number;
  uncensoredRuns: number;
  longestRun: number;
  /** Share of the uncensored runs that lasted ≤ 2 days, and what the chain's geometric stay predicts. */
  shortRuns: { observed: number; geometric: number };
  /** S(d) = P(a run lasts more than d days): semi-Markov beside the chain's P_ii^d. */
  survival: { days: number; semiMarkov: number; chain: number }[];
  /** E[L − a | L ≥ a] at a few ages, with the bootstrap interval; the chain's is P_ii/(1 − P_ii) at any age. */
  expectedRemaining: { age: number; semiMarkov: number; lower: number; upper: number; chain: number }[];
}

/** The risk a forecast answers with: what the serving model keeps. */
export interface ServingRisk {
  levels: number[];
  /** Per regime: 1-day VaR/ES at each level (null: no return observed in that regime). */
  oneDay: ({ valueAtRisk: number[]; expectedShortfall: number[] } | null)[];
  /**
   * h-day VaR/ES per start regime at the stored `horizons` (ascending, from 1 to maxHorizon), from
   * `draws` simulated paths of the chain; other horizons are interpolated in √h ({@link riskAt}).
   */
  maxHorizon: number;
  horizons: number[];
  draws: number;
  seed: number;
  paths: 'markov';
  /** [start regime][level][index in `horizons`]; null for a start regime with no observed return. */
  valueAtRisk: (number[][] | null)[];
  expectedShortfall: (number[][] | null)[];
}

/** Risk as a model stores it: the serving part, each regime's distribution and the backtest. */
export interface StoredRegimeRisk extends ServingRisk {
  /** Per regime (null: no origin in it). */
  regimes: (ReturnDistribution | null)[];
  /** The out-of-fold 1-day VaR backtest; null (with a note) when the gold is too short. */
  backtest: VarOutOfFoldReport | null;
}

/** The chain's fit settings of config/model.yaml `semiMarkov`. */
export function semiMarkovFit(cfg: ModelConfig['semiMarkov']): SemiMarkovFitOptions {
  return { alpha: cfg.alpha, minAtRisk: cfg.minAtRisk, hazardPrior: cfg.hazardPrior };
}

/**
 * Fits the semi-Markov chain on every symbol's regime sequence and summarises it per regime.
 * `chain` is the fitted first-order P (for the comparisons).
 */
export function fitStoredSemiMarkov(
  sequences: ReadonlyArray<ArrayLike<number>>,
  labels: readonly string[],
  chain: readonly (readonly number[])[],
  cfg: ModelConfig['semiMarkov'],
): StoredSemiMarkov {
  const k = labels.length;
  const runs = extractRuns(sequences, k);
  const fit = semiMarkovFit(cfg);
  const model = fitSemiMarkov(runs, k, fit);
  const intervals = bootstrapRemaining(runs, k, fit, cfg);
  const regimes = labels.map((regime, i): SemiMarkovRegimeSummary => {
    const stay = chain[i]![i]!;
    let short = 0;
    let longest = 0;
    for (const run of runs) {
      if (run.state !== i) continue;
      if (run.length > longest) longest = run.length;
      if (!isCensored(run) && run.length <= 2) short++;
    }
    const survival = survivalCurve(model, i, SURVIVAL_DAYS[SURVIVAL_DAYS.length - 1]!);
    return {
      regime,
      runs: model.runs[i]!,
      uncensoredRuns: model.uncensoredRuns[i]!,
      longestRun: longest,
      shortRuns: {
        observed: model.uncensoredRuns[i]! === 0 ? Number.NaN : short / model.uncensoredRuns[i]!,
        // P(L ≤ 2) for a geometric stay with P(stay) = P_ii: 1 − P_ii².
        geometric: 1 - stay * stay,
      },
      survival: SURVIVAL_DAYS.map((d) => ({ days: d, semiMarkov: survival[d]!, chain: stay ** d })),
      expectedRemaining: SUMMARY_AGES.map((age, a) => ({
        age,
        semiMarkov: expectedRemainingDays(model, { state: i, age }),
        lower: intervals[i]![a]![0],
        upper: intervals[i]![a]![1],
        chain: stay >= 1 ? Number.POSITIVE_INFINITY : stay / (1 - stay),
      })),
    };
  });
  return {
    options: fit,
    k,
    changes: model.changes,
    jump: model.jump,
    runs: model.runs,
    uncensoredRuns: model.uncensoredRuns,
    days: model.days,
    memorylessRate: model.memorylessRate,
    maxAge: model.maxAge,
    hazard: model.hazard.map((h) => Array.from(h)),
    tailHazard: model.tailHazard,
    warnings: model.warnings,
    bootstrap: { samples: cfg.bootstrapSamples, seed: cfg.seed, mass: cfg.intervalMass },
    regimes,
  };
}

/**
 * The bootstrap over runs of shared/model/semi-markov.ts `bootstrapSemiMarkov` (each regime's
 * runs resampled with replacement, in the same order and from the same seeded stream, refitted
 * with the same options), for the expected remaining days only, at every {@link SUMMARY_AGES} age
 * of every regime from one set of replicates: intervals[i][a] = [lower, upper] (percentiles, numpy
 * linear interpolation) — equal to `bootstrapSemiMarkov(…).expectedRemaining` at each start.
 * The remaining days need only the hazards, which need only each regime's histogram of run
 * lengths (complete and censored): a replicate accumulates the histograms of its draws and fits
 * the hazards from them, instead of refitting every run (at 1M gold rows, 100k runs × 1,000
 * replicates).
 */
function bootstrapRemaining(
  runs: readonly RegimeRun[],
  k: number,
  fit: SemiMarkovFitOptions,
  cfg: ModelConfig['semiMarkov'],
): [number, number][][] {
  const samples = cfg.bootstrapSamples;
  const strata = Array.from({ length: k }, (_, i) => runs.filter((r) => r.state === i));
  const lengths = strata.map((s) => Int32Array.from(s, (r) => r.length));
  const complete = strata.map((s) => Uint8Array.from(s, (r) => (isCensored(r) ? 0 : 1)));
  const longest = lengths.map((l) => l.reduce((a, b) => Math.max(a, b), 0));
  const count = longest.map((l) => new Float64Array(l + 2)); // runs of length exactly L
  const ends = longest.map((l) => new Float64Array(l + 2)); // complete runs of length exactly L
  const atRisk = longest.map((l) => new Float64Array(l + 2));
  const random = createRandom(cfg.seed);
  const draws = Array.from({ length: k }, () => SUMMARY_AGES.map(() => new Float64Array(samples)));
  const uncensored = new Float64Array(k);
  const days = new Float64Array(k);
  const { minAtRisk, hazardPrior: kappa } = fit;
  const shrink = (e: number, n: number, lambda: number) =>
    kappa === Number.POSITIVE_INFINITY ? lambda : (e + kappa * lambda) / (n + kappa);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < k; i++) {
      count[i]!.fill(0);
      ends[i]!.fill(0);
      uncensored[i] = 0;
      days[i] = 0;
      const len = lengths[i]!;
      const done = complete[i]!;
      const c = count[i]!;
      const e = ends[i]!;
      const n = len.length;
      let d = 0;
      let u = 0;
      for (let r = 0; r < n; r++) {
        // randomIndex(random, n), inlined (the same draw).
        const x = Math.floor(random.uniform() * n);
        const j = x < n ? x : n - 1;
        const L = len[j]!;
        c[L]! += 1;
        d += L;
        if (done[j] === 1) {
          e[L]! += 1;
          u += 1;
        }
      }
      days[i] = d;
      uncensored[i] = u;
    }
    let allDays = 0;
    let allUncensored = 0;
    for (let i = 0; i < k; i++) {
      allDays += days[i]!;
      allUncensored += uncensored[i]!;
    }
    const pooled = allUncensored / allDays;
    for (let i = 0; i < k; i++) {
      const lambda = days[i] === 0 ? pooled : uncensored[i]! / days[i]!;
      const L = longest[i]!;
      const c = count[i]!;
      const nAt = atRisk[i]!;
      nAt.fill(0);
      // n(d) = runs of length ≥ d; the largest length in this replicate bounds D.
      let top = L;
      while (top > 0 && c[top] === 0) top--;
      for (let d = top; d >= 1; d--) nAt[d] = c[d]! + (d < top ? nAt[d + 1]! : 0);
      let dMax = 0;
      while (dMax + 1 <= top && nAt[dMax + 1]! >= minAtRisk) dMax++;
      const hazard = new Float64Array(dMax + 2);
      for (let d = 1; d <= dMax; d++) hazard[d] = shrink(ends[i]![d]!, nAt[d]!, lambda);
      let tailEvents = 0;
      let tailExposure = 0;
      for (let d = dMax + 1; d <= top; d++) {
        tailExposure += c[d]! * (d - dMax);
        tailEvents += ends[i]![d]!;
      }
      const tail = shrink(tailEvents, tailExposure, lambda);
      hazard[dMax + 1] = tail;
      const model = { k, maxAge: [] as number[], hazard: [] as Float64Array[], tailHazard: [] as number[] };
      model.maxAge[i] = dMax;
      model.hazard[i] = hazard;
      model.tailHazard[i] = tail;
      SUMMARY_AGES.forEach((age, a) => {
        draws[i]![a]![s] = expectedRemainingDays(model as unknown as SemiMarkovModel, { state: i, age });
      });
    }
  }
  const lowerQ = (1 - cfg.intervalMass) / 2;
  const upperQ = (1 + cfg.intervalMass) / 2;
  return draws.map((byAge) =>
    byAge.map((d) => {
      d.sort();
      return [sortedQuantile(d, lowerQ), sortedQuantile(d, upperQ)] as [number, number];
    }),
  );
}

/** The regime risk of a model: per-regime distributions and the h-day curves (the backtest is added by the caller). */
export function fitStoredRisk(
  series: readonly RegimeReturnSeries[],
  chain: readonly (readonly number[])[],
  labels: readonly string[],
  maxHorizon: number,
  cfg: ModelConfig['risk'],
  notes: string[],
): Omit<StoredRegimeRisk, 'backtest'> {
  const k = chain.length;
  const model = fitRegimeRisk(series, k, { levels: cfg.levels, quantiles: cfg.quantiles });
  // A chain path can enter every regime (α > 0): with a regime that has no observed return there is
  // nothing to draw from, so no h-day curve at all rather than a curve that ignores that regime.
  const horizons = [...new Set([1, ...cfg.horizons.filter((h) => h <= maxHorizon), maxHorizon])].sort(
    (a, b) => a - b,
  );
  const empty = model.samples.findIndex((sample) => sample.length === 0);
  if (empty !== -1) {
    notes.push(
      `h-day VaR/ES not simulated: regime ${labels[empty]} has no day followed by a return in the gold`,
    );
  }
  const curves = chain.map((_, i) =>
    empty !== -1
      ? null
      : simulateHorizonRiskCurve(model, i, horizons, markovPathSampler(chain, i), {
          levels: cfg.levels,
          simulationDraws: cfg.simulationDraws,
          seed: cfg.seed,
        }),
  );
  return {
    levels: [...cfg.levels],
    oneDay: model.regimes.map((r) =>
      r === null
        ? null
        : {
            valueAtRisk: r.risk.map((x) => x.valueAtRisk),
            expectedShortfall: r.risk.map((x) => x.expectedShortfall),
          },
    ),
    maxHorizon,
    horizons,
    draws: cfg.simulationDraws,
    seed: cfg.seed,
    paths: 'markov',
    // Simulated figures to 6 significant digits (their Monte Carlo error is far larger): ~25 KB.
    valueAtRisk: curves.map((c) => c?.valueAtRisk ?? null),
    expectedShortfall: curves.map((c) => c?.expectedShortfall ?? null),
    regimes: model.regimes,
  };
}

/**
 * The stored curve at any h in 1..maxHorizon: exact at a stored horizon, else linear in √h between
 * the stored neighbours a < h < b (the √h scaling of the VaR of a sum of iid returns, locally).
 */
export function riskAt(
  horizons: readonly number[],
  values: readonly number[],
  h: number,
): { value: number; interpolated: boolean } {
  let hi = 0;
  while (hi < horizons.length && horizons[hi]! < h) hi++;
  if (hi < horizons.length && horizons[hi] === h) return { value: values[hi]!, interpolated: false };
  if (hi === 0 || hi === horizons.length)
    throw new RangeError(
      `horizon ${h} is outside the stored ${horizons[0]}..${horizons[horizons.length - 1]}`,
    );
  const a = horizons[hi - 1]!;
  const b = horizons[hi]!;
  const w = (Math.sqrt(h) - Math.sqrt(a)) / (Math.sqrt(b) - Math.sqrt(a));
  return { value: values[hi - 1]! + w * (values[hi]! - values[hi - 1]!), interpolated: true };
}

/** The serving part of a stored semi-Markov chain: what `predict` needs. */
export interface ServingSemiMarkov {
  jump: number[][];
  maxAge: number[];
  hazard: number[][];
  tailHazard: number[];
}

/** A SemiMarkovModel for the forecast functions from its serving part (the counts are not needed there). */
export function semiMarkovOf(stored: ServingSemiMarkov): SemiMarkovModel {
  const k = stored.jump.length;
  const zeros = new Array<number>(k).fill(0);
  return {
    k,
    options: { alpha: 0, minAtRisk: 1, hazardPrior: 1 },
    changes: stored.jump.map((row) => row.map(() => 0)),
    jump: stored.jump,
    runs: zeros,
    uncensoredRuns: zeros,
    days: zeros,
    memorylessRate: zeros,
    maxAge: stored.maxAge,
    hazard: stored.hazard.map((h) => Float64Array.from(h)),
    tailHazard: stored.tailHazard,
    warnings: [],
  };
}

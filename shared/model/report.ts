/** The model report as data: what `finml report --json`, report.txt and the API's model page show. */
import type { ClassificationMetrics } from '#shared/evaluation/index';
import type { ModelArtifact } from '#shared/model/artifact';
import { riskAt } from '#shared/model/duration-risk';

/** The report as data: the artifact without its bulky parts (reference samples, per-horizon tables). */
export function modelReport(a: ModelArtifact, horizons: readonly number[] = [1, 5, 21, 63]) {
  const m = a.markov;
  const H = horizons.filter((h) => h <= m.absorbing.maxHorizon);
  const idx = (h: number) => m.posterior.horizons.indexOf(h);
  return {
    version: a.version,
    createdAt: a.createdAt,
    labels: a.labels,
    data: {
      symbols: a.lineage.symbols,
      rows: a.lineage.rows,
      firstDate: a.lineage.firstDate,
      lastDate: a.lineage.lastDate,
      gold: a.lineage.gold,
      configHash: a.lineage.configHash,
      codeVersion: a.lineage.codeVersion,
    },
    chain: {
      alpha: m.alpha,
      counts: m.counts,
      transitionMatrix: m.transitionMatrix,
      credibleIntervals: m.credibleIntervals,
      stationary: { value: m.stationary, ...m.posterior.stationary },
      eigenvalues: m.eigenvalues,
      spectralGap: m.spectralGap,
      expectedSojourn: m.expectedSojourn,
      observedMeanRunLength: m.observedMeanRunLength,
      meanFirstPassageTimes: m.meanFirstPassageTimes,
      meanRecurrenceTimes: m.meanRecurrenceTimes,
      entropyRate: m.entropyRate,
      mixingTime: m.mixingTime,
      absorbing: {
        regime: a.labels[m.absorbing.state]!,
        expectedSteps: { value: m.absorbing.expectedSteps, ...m.posterior.expectedSteps },
        reachWithin: H.map((h) => ({
          horizon: h,
          value: m.absorbing.reachWithin.map((row) => row[h - 1]!),
          lower: m.posterior.reachWithin.lower.map((row) => row[idx(h)]!),
          upper: m.posterior.reachWithin.upper.map((row) => row[idx(h)]!),
        })),
      },
      tests: m.tests,
      warnings: [...m.warnings, ...(a.notes ?? [])],
    },
    evaluation: {
      folds: a.evaluation.markov.folds.map((f) => ({
        fold: f.fold,
        train: f.train,
        test: f.test,
        model: headline(f.metrics.model),
        persistence: headline(f.metrics.persistence),
        climatology: headline(f.metrics.climatology),
        hmm: a.evaluation.hmm ? headline(a.evaluation.hmm.folds[f.fold]!.metrics) : null,
      })),
      overall: {
        n: a.evaluation.markov.overall.n,
        model: headline(a.evaluation.markov.overall.metrics.model),
        persistence: headline(a.evaluation.markov.overall.metrics.persistence),
        climatology: headline(a.evaluation.markov.overall.metrics.climatology),
        hmm: a.evaluation.hmm ? headline(a.evaluation.hmm.overall.metrics) : null,
      },
      calibration: a.evaluation.markov.overall.calibration.model,
    },
    /** The horizon backtest (DOMAIN §5 v2) with what is served at each horizon; null before v2 or on a too-short gold. */
    horizons: a.evaluation.horizons
      ? {
          ...a.evaluation.horizons,
          served: (a.horizonForecasts ?? []).map((t) => ({ horizon: t.horizon, forecaster: t.forecaster })),
        }
      : null,
    hmm:
      a.hmm === null
        ? null
        : {
            returnScale: a.hmm.returnScale,
            means: a.hmm.params.means,
            variances: a.hmm.params.variances,
            transition: a.hmm.params.transition,
            logLikelihood: a.hmm.logLikelihood,
            aic: a.hmm.aic,
            bic: a.hmm.bic,
            degenerate: a.hmm.degenerate,
            degeneracyReasons: a.hmm.degeneracyReasons,
            stability: a.hmm.stability ?? null,
          },
    /**
     * DOMAIN §4.5 v2: the HMM against the regime-conditional and unconditional kernel densities, on
     * the out-of-fold mean log density of the next day's return (higher is better).
     */
    hmmDensity: a.evaluation.hmmDensity
      ? {
          nSplits: a.evaluation.hmmDensity.nSplits,
          gap: a.evaluation.hmmDensity.gap,
          origins: a.evaluation.hmmDensity.origins,
          symbols: a.evaluation.hmmDensity.symbols,
          models: a.evaluation.hmmDensity.models,
          winner: a.evaluation.hmmDensity.winner,
          degenerateFolds: a.evaluation.hmmDensity.degenerateFolds,
          // A model trained before folds were skipped has none.
          skippedFolds: a.evaluation.hmmDensity.skippedFolds ?? [],
        }
      : null,
    /** The duration-aware chain (DOMAIN §4.2): per regime, runs, survival and remaining days beside the chain's. */
    semiMarkov: a.semiMarkov
      ? {
          options: a.semiMarkov.options,
          bootstrap: a.semiMarkov.bootstrap,
          jump: a.semiMarkov.jump,
          maxAge: a.semiMarkov.maxAge,
          tailHazard: a.semiMarkov.tailHazard,
          regimes: a.semiMarkov.regimes,
          warnings: a.semiMarkov.warnings,
        }
      : null,
    /** Regime-conditional risk (DOMAIN §4.4) and the out-of-fold 1-day VaR backtest (§5). */
    risk: a.risk
      ? {
          units: 'log return' as const,
          levels: a.risk.levels,
          regimes: a.risk.regimes.map((d, i) => ({ regime: a.labels[i]!, distribution: d })),
          horizons: {
            draws: a.risk.draws,
            seed: a.risk.seed,
            paths: a.risk.paths,
            table: H.filter((h) => h <= a.risk!.maxHorizon).map((h) => ({
              horizon: h,
              byRegime: a.labels.map((regime, i) => ({
                regime,
                // h = 1: the exact empirical figures, as /predict answers.
                valueAtRisk:
                  (h === 1
                    ? a.risk!.oneDay[i]?.valueAtRisk
                    : a.risk!.valueAtRisk[i]?.map((c) => riskAt(a.risk!.horizons, c, h).value)) ?? null,
                expectedShortfall:
                  (h === 1
                    ? a.risk!.oneDay[i]?.expectedShortfall
                    : a.risk!.expectedShortfall[i]?.map((c) => riskAt(a.risk!.horizons, c, h).value)) ?? null,
              })),
            })),
          },
          backtest: a.risk.backtest,
        }
      : null,
    latest: a.latest,
  };
}

export type ModelReport = ReturnType<typeof modelReport>;

function headline(m: ClassificationMetrics) {
  return {
    n: m.n,
    accuracy: m.accuracy,
    macroF1: m.f1Macro,
    rocAuc: m.rocAucOvrMacro,
    logLoss: m.logLoss,
    brier: m.brier,
  };
}

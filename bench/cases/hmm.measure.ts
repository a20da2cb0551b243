/**
 * Child side of the hmm case: reads the sample's adjclose column (untimed), then times
 * fitGaussianHmm once on a cold process (the figure with the target: a training Lambda fits once)
 * and `warmRuns` more times (median), with the config's HMM settings.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '#config/load';
import { fitGaussianHmm, type GaussianHmmFit } from '#shared/model/hmm';
import type { Measure } from '../lib/types.ts';
import type { HmmParams } from './hmm.ts';

/** Daily log returns of a CSV's adjclose column, times `scale`. */
export function scaledLogReturns(csv: string, scale: number): Float64Array {
  const lines = csv.trim().split(/\r?\n/);
  const column = lines[0]!.split(',').findIndex((c) => c.trim().toLowerCase() === 'adjclose');
  if (column === -1) throw new Error('the sample has no adjclose column');
  const prices = lines.slice(1).map((line) => Number(line.split(',')[column]));
  const returns = new Float64Array(prices.length - 1);
  for (let t = 1; t < prices.length; t++) returns[t - 1] = Math.log(prices[t]! / prices[t - 1]!) * scale;
  if (!returns.every(Number.isFinite)) throw new Error('the sample has a missing or non-positive adjclose');
  return returns;
}

export const measure: Measure<HmmParams> = async (params) => {
  const hmm = loadConfig(params.configDir).config.model.hmm;
  const returns = scaledLogReturns(readFileSync(params.file, 'utf8'), hmm.returnScale);
  const options = {
    states: hmm.states,
    starts: params.starts,
    seed: hmm.seed,
    maxIterations: hmm.maxIterations,
    tolerance: hmm.tolerance,
    varianceFloorRatio: hmm.varianceFloorRatio,
  };
  const timed = (): { fit: GaussianHmmFit; milliseconds: number } => {
    const started = performance.now();
    const fit = fitGaussianHmm([returns], options);
    return { fit, milliseconds: performance.now() - started };
  };
  const first = timed();
  const warm = Array.from({ length: params.warmRuns }, () => timed().milliseconds).sort((a, b) => a - b);
  const iterations = first.fit.starts.reduce((n, s) => n + s.iterations, 0);
  return {
    observations: returns.length,
    starts: first.fit.starts.length,
    iterations,
    milliseconds: first.milliseconds,
    warmMilliseconds: warm.length > 0 ? warm[warm.length >> 1]! : Number.NaN,
    microsPerStep: (first.milliseconds * 1000) / iterations,
    logLikelihood: first.fit.logLikelihood,
    convergedStarts: first.fit.starts.filter((s) => s.converged).length,
  };
};

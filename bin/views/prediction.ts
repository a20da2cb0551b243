/** `finml predict` output. */
import type { Prediction } from '#shared/model/predict';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function formatPrediction(p: Prediction): string {
  const from =
    p.from.source === 'request'
      ? `from ${p.from.regime} (given)`
      : `from ${p.from.symbol}'s latest regime ${p.from.regime} on ${p.from.date}`;
  const by = p.forecaster.backtested
    ? `forecast by ${p.forecaster.name}, the best out-of-fold log loss at h = ${p.horizon} (${p.forecaster.logLoss?.toFixed(3)}${p.forecaster.name === 'markov' ? '' : `; the chain's ${p.forecaster.markovLogLoss?.toFixed(3)}`})`
    : `forecast by the Markov chain (h = ${p.horizon} is not a backtested horizon)`;
  const interval =
    p.reachWithin.lower === null || p.reachWithin.upper === null
      ? ''
      : `  (${Math.round(p.reachWithin.mass * 100)} % interval ${pct(p.reachWithin.lower)} – ${pct(p.reachWithin.upper)})`;
  const lines = [
    `Model ${p.modelVersion}: ${p.horizon} day(s) ahead ${from}`,
    `  ${by}`,
    '',
    ...Object.entries(p.probabilities).map(
      ([regime, prob]) => `  ${regime.padEnd(8)} ${pct(prob).padStart(8)}`,
    ),
    '',
    `Predicted regime: ${p.predicted.regime} (confidence ${pct(p.predicted.confidence)})`,
    `P(reach ${p.reachWithin.regime} within ${p.horizon} day(s)): ${pct(p.reachWithin.probability)}${interval}`,
    `Expected days until (the chain) ${p.expectedDaysTo.regime}: ${p.expectedDaysTo.days === 0 ? '0 (already there)' : p.expectedDaysTo.days.toFixed(1)}` +
      (p.expectedDaysTo.days === 0
        ? ''
        : `  (interval ${p.expectedDaysTo.lower.toFixed(1)} – ${p.expectedDaysTo.upper.toFixed(1)})`),
  ];
  return `${lines.join('\n')}\n`;
}

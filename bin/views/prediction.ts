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
    '',
    `In ${p.leave.regime} for ${p.leave.age} day(s): P(leave within ${p.horizon} day(s)) ${pct(p.leave.probability)}, ` +
      `expected remaining days ${days(p.leave.expectedRemainingDays)} (${p.leave.by === 'semi-markov' ? 'semi-Markov chain, at this age' : 'the chain'})`,
    ...(p.leave.by === 'semi-markov'
      ? [
          `  the memoryless chain says ${pct(p.leave.chain.probability)} and ${days(p.leave.chain.expectedRemainingDays)} at any age`,
        ]
      : []),
    ...(p.risk === null
      ? []
      : [
          '',
          `Risk from ${p.from.regime} (log returns; ${p.risk.draws} simulated regime paths, seed ${p.risk.seed}):`,
          ...p.risk.levels.map(
            (l) =>
              `  ${Math.round(l.level * 1000) / 10} %: ${p.horizon}-day VaR ${pct(l.valueAtRisk)}, ES ${pct(l.expectedShortfall)}` +
              (p.horizon === 1
                ? ''
                : `   (1-day VaR ${pct(l.oneDay.valueAtRisk)}, ES ${pct(l.oneDay.expectedShortfall)})`),
          ),
        ]),
  ];
  return `${lines.join('\n')}\n`;
}

function days(d: number): string {
  return Number.isFinite(d) ? d.toFixed(1) : 'unbounded (never seen to end)';
}

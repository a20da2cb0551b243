/** The model report as text: `finml report` and out/model/report.txt. */
import type { ModelReport } from '#shared/model/report';

/** A number with d decimals; ±∞ as such, and NaN (undefined: e.g. the skew of a constant) as "n/a". */
export const f = (x: number, d = 3) =>
  Number.isFinite(x) ? x.toFixed(d) : Number.isNaN(x) ? 'n/a' : x > 0 ? '∞' : '−∞';
const pad = (s: string, n: number) => s.padStart(n);

export function formatModelReport(r: ModelReport): string {
  const L = r.labels;
  const c = r.chain;
  const out: string[] = [];
  const w = Math.max(...L.map((l) => l.length)) + 2;
  out.push(`FINML regime model ${r.version}`);
  out.push(
    `Trained ${r.createdAt} on ${r.data.rows} gold rows, ${r.data.symbols.length} symbol(s) (${r.data.symbols.slice(0, 5).join(', ')}${r.data.symbols.length > 5 ? ', …' : ''}), ${r.data.firstDate} … ${r.data.lastDate}`,
  );
  out.push(
    '',
    `Transition matrix P (α = ${c.alpha}), with ${Math.round(c.credibleIntervals.mass * 100)} % credible intervals:`,
  );
  out.push(`${' '.repeat(w)}${L.map((l) => pad(l, 22)).join('')}`);
  c.transitionMatrix.forEach((row, i) => {
    const cells = row.map((p, j) =>
      pad(`${f(p)} [${f(c.credibleIntervals.lower[i]![j]!)}, ${f(c.credibleIntervals.upper[i]![j]!)}]`, 22),
    );
    out.push(`${L[i]!.padEnd(w)}${cells.join('')}`);
  });
  out.push('', 'Long-run share of days (stationary π) with 95 % posterior interval:');
  L.forEach((l, i) =>
    out.push(
      `  ${l.padEnd(w)} ${f(c.stationary.value[i]!)}  [${f(c.stationary.lower[i]!)}, ${f(c.stationary.upper[i]!)}]`,
    ),
  );
  out.push(
    '',
    'Durations (days):                expected stay 1/(1−P_ii)   observed mean run   mean recurrence',
  );
  L.forEach((l, i) =>
    out.push(
      `  ${l.padEnd(w)}${pad(f(c.expectedSojourn[i]!, 1), 31)}${pad(f(c.observedMeanRunLength[i]!, 1), 20)}${pad(f(c.meanRecurrenceTimes[i]!, 1), 18)}`,
    ),
  );
  out.push('', 'Mean first passage times m_ij (days from row regime to column regime):');
  out.push(`${' '.repeat(w)}${L.map((l) => pad(l, 10)).join('')}`);
  c.meanFirstPassageTimes.forEach((row, i) =>
    out.push(`${L[i]!.padEnd(w)}${row.map((v, j) => pad(i === j ? '—' : f(v, 1), 10)).join('')}`),
  );
  const abs = c.absorbing;
  out.push('', `Reaching ${abs.regime} (${abs.regime} treated as absorbing):`);
  out.push(
    `${' '.repeat(w)}${pad('expected days', 26)}${abs.reachWithin.map((x) => pad(`P(within ${x.horizon}d)`, 24)).join('')}`,
  );
  L.forEach((l, i) => {
    const days = `${f(abs.expectedSteps.value[i]!, 1)} [${f(abs.expectedSteps.lower[i]!, 1)}, ${f(abs.expectedSteps.upper[i]!, 1)}]`;
    const probs = abs.reachWithin.map((x) =>
      pad(`${f(x.value[i]!)} [${f(x.lower[i]!)}, ${f(x.upper[i]!)}]`, 24),
    );
    out.push(`${l.padEnd(w)}${pad(days, 26)}${probs.join('')}`);
  });
  out.push(
    '',
    `Spectral gap ${f(c.spectralGap)} · mixing time ${f(c.mixingTime, 0)} days · entropy rate ${f(c.entropyRate)} nats/day`,
  );
  out.push(
    `Markov assumption: first vs second order G² = ${f(c.tests.order.statistic, 1)} (df ${c.tests.order.df}): ${c.tests.order.interpretation}`,
  );
  out.push(
    `Time homogeneity: first vs second half G² = ${f(c.tests.homogeneity.statistic, 1)} (df ${c.tests.homogeneity.df}): ${c.tests.homogeneity.interpretation}`,
  );
  out.push(...horizonSection(r));
  const e = r.evaluation;
  out.push(
    '',
    `One-day walk-forward evaluation (first version: TimeSeriesSplit over pairs, ${e.folds.length} folds, ${e.overall.n} out-of-fold pairs, persistence with ε):`,
  );
  const head = `${'forecaster'.padEnd(14)}${['accuracy', 'macro F1', 'ROC AUC', 'log loss', 'Brier'].map((h) => pad(h, 10)).join('')}`;
  out.push(`  ${head}`);
  const line = (name: string, m: ModelReport['evaluation']['overall']['model'] | null) =>
    m === null
      ? []
      : [
          `  ${name.padEnd(14)}${[m.accuracy, m.macroF1, m.rocAuc ?? Number.NaN, m.logLoss, m.brier].map((v) => pad(Number.isNaN(v) ? 'n/a' : f(v), 10)).join('')}`,
        ];
  out.push(
    ...line('Markov', e.overall.model),
    ...line('HMM', e.overall.hmm),
    ...line('persistence', e.overall.persistence),
    ...line('climatology', e.overall.climatology),
  );
  out.push(
    '  per fold (accuracy / log loss):  Markov · persistence · climatology' + (e.overall.hmm ? ' · HMM' : ''),
  );
  for (const fold of e.folds) {
    const cells = [fold.model, fold.persistence, fold.climatology, ...(fold.hmm ? [fold.hmm] : [])].map(
      (m) => `${f(m.accuracy)} / ${f(m.logLoss)}`,
    );
    out.push(`    fold ${fold.fold + 1} (n = ${fold.model.n}): ${cells.join(' · ')}`);
  }
  out.push('', `Calibration of P(${L[L.length - 1]} next day), out of fold:  predicted → observed (count)`);
  for (const b of e.calibration.bins) {
    out.push(
      `  [${f(b.lower, 1)}, ${f(b.upper, 1)}]  ${f(b.meanPredicted)} → ${f(b.observedFrequency)}  (${b.count})`,
    );
  }
  if (r.hmm) {
    out.push(
      '',
      `Hidden-Markov variant (Gaussian, ${r.hmm.means.length} states, returns × ${r.hmm.returnScale}):`,
    );
    r.hmm.means.forEach((mu, k) =>
      out.push(
        `  ${(L[k] ?? String(k)).padEnd(w)} mean ${f(mu, 4)}  sd ${f(Math.sqrt(r.hmm!.variances[k]!), 4)}  stay ${f(r.hmm!.transition[k]![k]!)}`,
      ),
    );
    out.push(
      `  log-likelihood ${f(r.hmm.logLikelihood, 2)} · AIC ${f(r.hmm.aic, 1)} · BIC ${f(r.hmm.bic, 1)}${r.hmm.degenerate ? ` · DEGENERATE (${r.hmm.degeneracyReasons.join(', ')})` : ''}`,
    );
    const st = r.hmm.stability;
    if (st) {
      out.push(
        st.swapped
          ? `  ! the states SWAPPED against ${st.previousVersion}: this fit's ${st.matchedTo.map((j, k) => `${L[k] ?? k} is the previous ${L[j] ?? j}`).join(', ')}`
          : `  states match ${st.previousVersion}'s (symmetric KL ${st.divergence.map((d) => f(d, 4)).join(' · ')}; variance ratio ${st.varianceRatio.map((v) => f(v, 3)).join(' · ')})`,
      );
    }
  }
  if (r.hmmDensity) {
    const d = r.hmmDensity;
    const names = {
      hmm: 'HMM (filtered mixture)',
      regime: 'regime-conditional KDE',
      unconditional: 'unconditional KDE',
    };
    out.push(
      '',
      `Next-day return density, out of fold (${d.nSplits} date folds, gap ${d.gap}; ${d.origins} origins of ${d.symbols} symbol(s); mean log density, higher is better):`,
      ...d.models.map(
        (m) =>
          `  ${names[m.name].padEnd(26)} ${f(m.meanLogDensity, 4)}   per fold: ${m.foldMeanLogDensity.map((v) => (v === null ? 'n/a' : f(v, 3))).join(' · ')}${m.name === d.winner ? '   ← best' : ''}`,
      ),
      ...(d.degenerateFolds.length
        ? [`  ! degenerate HMM fit in fold(s) ${d.degenerateFolds.map((x) => x + 1).join(', ')}`]
        : []),
      ...(d.skippedFolds.length
        ? [
            `  ! fold(s) ${d.skippedFolds.map((x) => x + 1).join(', ')} not scored: too few training returns to fit the HMM or estimate a density`,
          ]
        : []),
    );
  }
  out.push(...semiMarkovSection(r), ...riskSection(r));
  if (c.warnings.length > 0) out.push('', 'Warnings:', ...c.warnings.map((w) => `  ! ${w}`));
  out.push('', 'Latest regime per symbol:');
  for (const [symbol, l] of Object.entries(r.latest).slice(0, 20))
    out.push(`  ${symbol.padEnd(12)} ${l.regime} on ${l.date}`);
  return `${out.join('\n')}\n`;
}

/**
 * The horizon backtest: per horizon every forecaster's out-of-fold scores, the served one and its
 * margin over each other, then plainly where the chain loses, and the reliability of the served
 * P(reach High within h).
 */
function horizonSection(r: ModelReport): string[] {
  const t = r.horizons;
  if (t === null) return ['', 'Horizon backtest: not run (see the warnings).'];
  const high = r.labels[t.highState]!;
  const out = [
    '',
    `Horizon backtest (date-level TimeSeriesSplit, ${t.nSplits} folds, gap ${t.gap} dates; out of fold; the served forecaster at each h is the lowest log loss):`,
  ];
  const losses: string[] = [];
  for (const res of t.results) {
    out.push(
      `  h = ${res.horizon} (${res.origins} origins, ${res.nonHighOrigins} not ${high}):`,
      `    ${'forecaster'.padEnd(13)}${['log loss', 'Brier', 'accuracy', 'skill'].map((h) => pad(h, 10)).join('')}${pad(`P(${high} ≤ h) Brier`, 20)}${pad('log loss', 10)}${pad('P(leave ≤ h) Brier', 20)}`,
    );
    for (const fc of res.forecasters) {
      const reach = fc.reachHigh;
      out.push(
        `    ${fc.name.padEnd(13)}${[fc.regime.logLoss, fc.regime.brier, fc.regime.accuracy].map((v) => pad(f(v), 10)).join('')}${pad(fc.regime.brierSkill === null ? 'n/a' : f(fc.regime.brierSkill), 10)}${pad(reach ? f(reach.brier, 4) : 'n/a', 20)}${pad(reach ? f(reach.logLoss) : 'n/a', 10)}${pad(f(fc.leave.brier, 4), 20)}`,
      );
    }
    const winner = res.forecasters.find((fc) => fc.name === res.winner.name)!;
    const margins = res.forecasters
      .filter((fc) => fc.name !== winner.name)
      .map((fc) => {
        const d = fc.regime.logLoss - winner.regime.logLoss;
        return `${fc.name} by ${f(d)} (${(d === 0 ? 0 : (100 * d) / fc.regime.logLoss).toFixed(1)} %)`;
      });
    out.push(`    served: ${winner.name} — beats ${margins.join(', ')}`);
    const markov = res.forecasters.find((fc) => fc.name === 'markov');
    if (markov && winner.name !== 'markov') {
      losses.push(
        `h = ${res.horizon}: ${winner.name} ${f(winner.regime.logLoss)} vs the chain's ${f(markov.regime.logLoss)} log loss`,
      );
    }
    if (markov?.reachHigh) {
      for (const fc of res.forecasters) {
        if (fc.name !== 'markov' && fc.reachHigh && fc.reachHigh.brier < markov.reachHigh.brier) {
          losses.push(
            `h = ${res.horizon}: P(${high} within h) Brier ${f(markov.reachHigh.brier, 4)} (chain) vs ${f(fc.reachHigh.brier, 4)} (${fc.name}); the chain forecasts ${f(markov.reachHigh.meanForecast)} on average, ${f(markov.reachHigh.observedRate)} happened`,
          );
          break;
        }
      }
    }
  }
  for (const s of t.skipped) out.push(`  h = ${s.horizon}: skipped — ${s.reason}`);
  out.push(
    losses.length === 0
      ? '  The chain is the best forecaster at every backtested horizon.'
      : '  Where the chain loses:',
    ...losses.map((l) => `    - ${l}`),
  );
  out.push(`  Reliability of the served P(${high} within h), out of fold: predicted → observed (count)`);
  for (const res of t.results) {
    const reach = res.forecasters.find((fc) => fc.name === res.winner.name)?.reachHigh;
    if (!reach) continue;
    const bins = reach.reliability.bins.map(
      (b) =>
        `[${f(b.lower, 1)}, ${f(b.upper, 1)}] ${f(b.meanPredicted)} → ${f(b.observedFrequency)} (${b.count})`,
    );
    out.push(`    h = ${res.horizon} (${res.winner.name}): ${bins.join('  ')}`);
  }
  return out;
}

const pct = (x: number | null | undefined, d = 2) =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(d)} %`;
const p = (x: number) => (x < 1e-4 ? x.toExponential(1) : x.toFixed(4));

/** The semi-Markov chain per regime: short runs, survival and remaining days beside the memoryless chain. */
function semiMarkovSection(r: ModelReport): string[] {
  const sm = r.semiMarkov;
  if (sm === null) return [];
  const mass = Math.round(sm.bootstrap.mass * 100);
  const out = [
    '',
    `Semi-Markov chain (duration-aware; minAtRisk ${sm.options.minAtRisk}, κ ${sm.options.hazardPrior}; ${mass} % intervals from ${sm.bootstrap.samples} bootstrap resamples of runs):`,
  ];
  for (const g of sm.regimes) {
    out.push(
      `  ${g.regime}: ${g.runs} runs (${g.uncensoredRuns} complete), longest ${g.longestRun} days; runs of ≤ 2 days ${pct(g.shortRuns.observed, 1)} (a geometric stay predicts ${pct(g.shortRuns.geometric, 1)})`,
      `    still in it after d days:  ${g.survival.map((s) => `${s.days}: ${pct(s.semiMarkov, 1)} (chain ${pct(s.chain, 1)})`).join(' · ')}`,
      `    expected remaining days at age:  ${g.expectedRemaining.map((e) => `${e.age}: ${f(e.semiMarkov, 1)} [${f(e.lower, 1)}, ${f(e.upper, 1)}]`).join(' · ')}   (chain ${f(g.expectedRemaining[0]!.chain, 1)} at any age)`,
    );
  }
  return out;
}

/** Regime risk: each regime's next-day returns, h-day VaR/ES, and the VaR backtest beside historical simulation. */
function riskSection(r: ModelReport): string[] {
  const k = r.risk;
  if (k === null) return [];
  const levels = k.levels.map((q) => `${Math.round(q * 1000) / 10} %`);
  const w = Math.max(...r.labels.map((l) => l.length)) + 2;
  const out = [
    '',
    'Regime-conditional risk (next-day log returns of the days in each regime; VaR/ES as positive losses):',
    `  ${''.padEnd(w)}${pad('n', 7)}${pad('mean', 10)}${pad('sd', 9)}${pad('skew', 8)}${k.levels.map((_, i) => `${pad(`VaR ${levels[i]}`, 12)}${pad(`ES ${levels[i]}`, 11)}`).join('')}`,
  ];
  for (const g of k.regimes) {
    const d = g.distribution;
    if (d === null) {
      out.push(`  ${g.regime.padEnd(w)}  no day in this regime`);
      continue;
    }
    out.push(
      `  ${g.regime.padEnd(w)}${pad(String(d.n), 7)}${pad(pct(d.mean, 3), 10)}${pad(pct(d.sd), 9)}${pad(f(d.skewness, 2), 8)}${d.risk.map((x) => `${pad(pct(x.valueAtRisk), 12)}${pad(pct(x.expectedShortfall), 11)}`).join('')}`,
    );
  }
  out.push(
    `  h-day VaR ${levels[0]} by start regime (${k.horizons.draws} simulated regime paths of the chain, seed ${k.horizons.seed}):`,
  );
  for (const row of k.horizons.table) {
    out.push(
      `    h = ${String(row.horizon).padEnd(4)}${row.byRegime.map((g) => `${g.regime} ${pct(g.valueAtRisk?.[0])} (ES ${pct(g.expectedShortfall?.[0])})`).join(' · ')}`,
    );
  }
  const b = k.backtest;
  if (b === null) {
    out.push('  1-day VaR backtest: not run (see the warnings).');
    return out;
  }
  out.push(
    `  1-day VaR backtest, out of fold (${b.nSplits} date folds, gap ${b.gap}) on ${b.days} days of ${b.symbols} symbol(s), beside ${b.historicalWindow}-day historical simulation on the same days:`,
    `    ${'level  forecaster'.padEnd(24)}${pad('violations', 12)}${pad('rate', 9)}${pad('Kupiec p', 10)}${pad('indep. p', 10)}${pad('cond. cov. p', 14)}`,
  );
  const verdicts: string[] = [];
  for (const l of b.levels) {
    for (const [name, t] of [
      ['regime', l.regime],
      ['historical', l.historical],
    ] as const) {
      out.push(
        `    ${`${Math.round(l.level * 1000) / 10} %  ${name}`.padEnd(24)}${pad(String(t.violations), 12)}${pad(pct(t.rate), 9)}${pad(p(t.kupiec.pValue), 10)}${pad(p(t.independence.pValue), 10)}${pad(p(t.conditionalCoverage.pValue), 14)}`,
      );
    }
    const better =
      l.regime.conditionalCoverage.pValue >= l.historical.conditionalCoverage.pValue
        ? 'regime'
        : 'historical';
    verdicts.push(
      `${Math.round(l.level * 1000) / 10} %: ${better === 'regime' ? 'the regime model' : 'historical simulation'} is closer to correct coverage (conditional-coverage p ${p(Math.max(l.regime.conditionalCoverage.pValue, l.historical.conditionalCoverage.pValue))} vs ${p(Math.min(l.regime.conditionalCoverage.pValue, l.historical.conditionalCoverage.pValue))}); expected rate ${pct(l.regime.expectedRate)}`,
    );
  }
  out.push(...verdicts.map((v) => `    ${v}`));
  return out;
}

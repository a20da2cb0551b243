/** `finml drift` output. */
import type { DriftReport } from '#shared/monitoring/drift-report';

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const p = (x: number | null) => (x === null ? 'n/a' : x < 1e-4 ? x.toExponential(1) : x.toFixed(4));

export function formatDriftReport(r: DriftReport): string {
  const out = [
    `FINML drift check against model ${r.modelVersion} — window: last ${r.windowRows} gold rows`,
    '',
  ];
  for (const s of r.symbols) {
    out.push(
      `${s.symbol}: window ${s.window.from} … ${s.window.to}; reference: ${s.reference.source} (${s.reference.rows} rows)`,
    );
    const source = s.features[0]?.thresholds.source ?? 'fixed';
    out.push(
      source === 'calibrated'
        ? `  thresholds: calibrated on ${s.calibrationChunks} reference chunks of ${s.window.rows} rows (drift = above the driftQuantile of their own statistics)`
        : source === 'fallback'
          ? '  thresholds: too few reference chunks to calibrate — the fixed KS and PSI thresholds, p-value rules for mix and chain'
          : '  thresholds: fixed (drift.thresholds: fixed — the first version’s rules)',
    );
    out.push(
      `  ${'feature'.padEnd(18)}${'KS D'.padStart(8)}${'> thr'.padStart(8)}${'p (asymp)'.padStart(11)}${'p (block)'.padStart(11)}${'PSI'.padStart(8)}${'> thr'.padStart(8)}  band`,
    );
    for (const x of s.features) {
      out.push(
        `  ${x.feature.padEnd(18)}${f(x.ks.d).padStart(8)}${f(x.thresholds.ks).padStart(8)}${p(x.ks.pValue).padStart(11)}${p(x.ks.bootstrapPValue).padStart(11)}${f(x.psi.value).padStart(8)}${f(x.thresholds.psi).padStart(8)}  ${x.psi.band}${x.drift ? '  ← drift' : ''}`,
      );
    }
    out.push(
      s.regimeMix.threshold === null
        ? `  regime mix: observed ${s.regimeMix.observed.join(' / ')} vs model π ${s.regimeMix.expected.map((v) => f(v, 2)).join(' / ')}: χ² ${f(s.regimeMix.statistic, 1)}, p ${p(s.regimeMix.pValue)}${s.regimeMix.drift ? '  ← drift' : ''}`
        : `  regime mix: observed ${s.regimeMix.observed.join(' / ')}: total variation from the reference's shares ${s.regimeMix.referenceShares.map((v) => f(v, 2)).join(' / ')}: ${f(s.regimeMix.totalVariation)} (threshold ${f(s.regimeMix.threshold)})${s.regimeMix.drift ? '  ← drift' : ''}`,
    );
    out.push(
      `  transitions vs model P: G² ${f(s.transitions.statistic, 1)} (df ${s.transitions.df}), ${
        s.transitions.threshold === null
          ? `p ${p(s.transitions.pValue)}`
          : `threshold ${f(s.transitions.threshold, 1)}`
      }${s.transitions.drift ? '  ← drift' : ''}`,
    );
    const a = s.anomalies;
    out.push(
      `  anomalies: ${a.extremeReturns.length} extreme return(s)${
        a.extremeReturns.length
          ? ` (${a.extremeReturns
              .slice(0, 3)
              .map((e) => `${e.date} z ${f(e.z, 1)}`)
              .join(', ')})`
          : ''
      }; ` +
        `${a.isolationForest.length} isolation-forest outlier(s); ${a.unusualTransitions.length} unusual transition(s)`,
    );
    for (const n of s.notes) out.push(`  note: ${n}`);
    out.push('');
  }
  for (const s of r.skipped) out.push(`${s.symbol}: skipped — ${s.reason}`);
  const checked = r.symbols.length;
  const scope =
    r.skipped.length === 0
      ? ''
      : ` (on the ${checked} symbol${checked === 1 ? '' : 's'} checked; ${r.skipped.length} skipped above${checked === 0 ? ': nothing was checked' : ''})`;
  out.push(`Verdict: ${r.verdict.toUpperCase()}${scope}`);
  for (const reason of r.reasons) out.push(`  - ${reason}`);
  if (r.retraining.heldByCooldown)
    out.push(`  (retraining held by the cool-down until ${r.retraining.cooldownEndsAt})`);
  return `${out.join('\n')}\n`;
}

/** The EDA report as terminal text (`finml eda` without --json). */
import type { EdaReport, SymbolProfile } from '#shared/eda/profile';
import type { AdfOutcome, GroupEffect, ModelInputChecks, RegimeSummary } from '#shared/eda/sections';

const SPARK = '▁▂▃▄▅▆▇█';

/** A number in 4 significant digits; "n/a" when undefined. */
function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : 'n/a');
const signedPct = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(3)} %` : 'n/a';
const pValue = (p: number) => (!Number.isFinite(p) ? 'n/a' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, c) => rows.reduce((w, r) => Math.max(w, (r[c] ?? '').length), h.length));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Counts as a one-line bar chart, adjacent bins summed to at most `width` characters. */
export function sparkline(counts: readonly number[], width = 60): string {
  const group = Math.max(1, Math.ceil(counts.length / width));
  const sums: number[] = [];
  for (let i = 0; i < counts.length; i += group) {
    sums.push(counts.slice(i, i + group).reduce((a, b) => a + b, 0));
  }
  const max = sums.reduce((m, s) => Math.max(m, s), 1);
  return sums.map((s) => (s === 0 ? ' ' : SPARK[Math.min(7, Math.floor((s / max) * 7.999))])).join('');
}

export function formatEdaReport(report: EdaReport, maxSymbols = 10): string {
  const lines: string[] = [`FINML EDA — ${report.file} (${report.layer})`, ''];
  lines.push(...overview(report));
  for (const s of report.symbols.slice(0, maxSymbols)) lines.push('', ...symbolSection(s, report));
  if (report.symbols.length > maxSymbols) {
    lines.push(
      '',
      `… and ${report.symbols.length - maxSymbols} more symbol(s): see --json or --out for all of them.`,
    );
  }
  if (report.gold !== null) {
    if (report.symbols.length > 1) lines.push('', 'All symbols', ...regimes(report.gold.regimes));
    lines.push('', ...checks(report.gold.checks));
  }
  return `${lines.join('\n')}\n`;
}

function overview(r: EdaReport): string[] {
  const o = r.overview;
  const out = [
    'Overview',
    `  ${o.symbols} symbol(s) · ${o.rows} rows · ${o.first ?? '—'} … ${o.last ?? '—'}`,
    `  columns: ${o.columns.join(', ')}`,
  ];
  if (r.bronze !== null) {
    const b = r.bronze;
    const dropped = Object.entries(b.dropped).filter(([, n]) => n > 0);
    out.push(
      `  bronze rules (run date ${b.runDate}): ${b.rowsIn} rows in → ${b.rowsAccepted} accepted; dropped ${
        dropped.length === 0 ? 'none' : dropped.map(([k, n]) => `${n} ${k}`).join(', ')
      }${b.volumeInvalidAsMissing > 0 ? `; ${b.volumeInvalidAsMissing} non-numeric volumes read as missing` : ''}`,
    );
    if (b.header.ignored.length > 0) out.push(`  ignored columns: ${b.header.ignored.join(', ')}`);
    for (const e of b.droppedExamples.slice(0, 5)) out.push(`    line ${e.line}: ${e.reason} — ${e.detail}`);
    const c = b.cleaning;
    out.push(
      `  silver rules: ${c.rowsIn} → ${c.rowsOut} rows; ${c.duplicatesDropped} duplicates, ${c.forwardFilled} closes forward-filled, ` +
        `${c.droppedLongGap} dropped (long gap), ${c.droppedNoEarlierClose} dropped (no earlier close), ${c.flaggedRows} flagged`,
      `  quality: ${quality(b.quality.bronze)} · ${quality(b.quality.silver)}`,
    );
    if (!b.quality.bronze.passed || !b.quality.silver.passed) {
      out.push('  ✗ below a quality gate: `finml pipeline` would reject this file.');
    }
  }
  if (r.silver !== null) {
    out.push(
      `  ${r.silver.forwardFilled} closes forward-filled, ${r.silver.flaggedRows} rows flagged · ${quality(r.silver.quality)}`,
    );
  }
  return out;
}

function quality(q: { layer: string; score: number; passed: boolean; gate: number }): string {
  return `${q.layer} ${q.score.toFixed(1)} % ${q.passed ? '✓' : '✗'} (gate ${q.gate} %)`;
}

function symbolSection(s: SymbolProfile, r: EdaReport): string[] {
  const p = r.parameters;
  const out = [`── ${s.symbol} — ${s.rows} rows, ${s.first ?? '—'} … ${s.last ?? '—'}`];
  out.push('Missing values', ...missing(s));
  out.push('Feature statistics', ...statistics(s));
  out.push(`Outliers (IQR × ${p.iqrMultiplier}, |z| > ${p.zThreshold})`);
  for (const [name, o] of Object.entries(s.outliers)) {
    out.push(
      `  ${name}: outside [${fmt(o.iqr.lower)}, ${fmt(o.iqr.upper)}] ${o.iqr.outliers} (${pct(o.iqr.share, 2)}) · ` +
        `|z| > ${o.z.threshold}: ${o.z.outliers} (${pct(o.z.share, 2)})`,
    );
    if (o.extremes.length > 0) {
      out.push(
        `    most extreme: ${o.extremes
          .slice(0, 5)
          .map((e) => `${e.date} ${fmt(e.value)} (z ${e.z.toFixed(1)})`)
          .join(' · ')}`,
      );
    }
  }
  out.push(`Distributions (numpy bins ${typeof p.bins === 'number' ? p.bins : `'${p.bins}'`})`);
  for (const [name, d] of Object.entries(s.distributions)) {
    const n = d.counts.length;
    out.push(
      `  ${name.padEnd(18)} ${n} bins over [${fmt(d.edges[0])}, ${fmt(d.edges[n])}]${d.capped ? ' (capped)' : ''}  ${sparkline(d.counts)}`,
    );
  }
  out.push('Correlations (Pearson above the diagonal, Spearman below)', ...correlations(s));
  out.push(...rolling(s));
  out.push('Seasonality of log returns', ...season('day of week', s.seasonality.dayOfWeek));
  out.push(...season('month', s.seasonality.month));
  out.push(`Stationarity (ADF, constant, lag by AIC; α = ${s.stationarity.alpha})`);
  out.push(adf('log price', s.stationarity.logPrice), adf('log return', s.stationarity.logReturn));
  if (s.regimes !== null) out.push(...regimes(s.regimes));
  return out;
}

function missing(s: SymbolProfile): string[] {
  const m = s.missing;
  const out: string[] = [];
  if (m.rowsWithMissing === 0) out.push(`  none in ${m.rows} rows`);
  else {
    const columns = Object.entries(m.columns).filter(([, n]) => n > 0);
    out.push(`  ${m.rowsWithMissing} of ${m.rows} rows: ${columns.map(([c, n]) => `${c} ${n}`).join(' · ')}`);
    out.push(`  together: ${m.patterns.map((p) => `${p.columns.join('+')} ${p.rows}`).join(' · ')}`);
  }
  const runs = s.closeRuns;
  if (runs !== null && runs.runs > 0) {
    const outcomes = Object.entries(runs.outcomes).filter(([, n]) => n > 0);
    out.push(
      `  missing closes: ${runs.runs} run(s), ${runs.rows} rows, longest ${runs.longest}: ${outcomes
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
    );
  }
  return out;
}

function statistics(s: SymbolProfile): string[] {
  const rows = Object.entries(s.statistics).map(([name, f]) => [
    name,
    String(f.count),
    fmt(f.mean),
    fmt(f.sd),
    fmt(f.min),
    fmt(f.quantiles['0.25']),
    fmt(f.quantiles['0.5']),
    fmt(f.quantiles['0.75']),
    fmt(f.max),
    fmt(f.skewness, 3),
    fmt(f.excessKurtosis, 3),
  ]);
  return table(
    ['column', 'count', 'mean', 'sd', 'min', 'p25', 'median', 'p75', 'max', 'skew', 'ex.kurt'],
    rows,
  );
}

function correlations(s: SymbolProfile): string[] {
  const c = s.correlations;
  const short = (name: string) => (name.length > 10 ? `${name.slice(0, 9)}…` : name);
  const rows = c.columns.map((name, i) => [
    short(name),
    ...c.columns.map((_, j) => correlation(i < j ? c.pearson[i]![j]! : c.spearman[i]![j]!)),
  ]);
  return table(['', ...c.columns.map(short)], rows);
}

const correlation = (r: number) => (Number.isNaN(r) ? 'n/a' : r.toFixed(3));

function rolling(s: SymbolProfile): string[] {
  const t = s.rolling;
  const range = (w: { min: number; max: number } | null, f: (x: number) => string) =>
    w === null ? '—' : `${f(w.min)} … ${f(w.max)}`;
  const rows = t.years.map((y) => [
    String(y.year),
    String(y.returns),
    signedPct(y.meanReturn),
    pct(y.volatility),
    range(y.rollingMean, signedPct),
    range(y.rollingVolatility, (x) => pct(x)),
  ]);
  return [
    `Rolling ${t.window}-return trend, per year (volatility annualised over ${t.annualisationDays} days)`,
    ...table(['year', 'returns', 'mean', 'volatility', `rolling mean`, `rolling volatility`], rows),
  ];
}

function season(label: string, g: GroupEffect): string[] {
  const groups = g.groups.map((x) => `${x.group} ${signedPct(x.mean)} (${x.count})`);
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 6) rows.push(groups.slice(i, i + 6).join(' · '));
  const tests = [
    g.kruskal === null ? null : `Kruskal–Wallis H ${fmt(g.kruskal.statistic)} p ${pValue(g.kruskal.pValue)}`,
    g.anova === null ? null : `ANOVA F ${fmt(g.anova.statistic)} p ${pValue(g.anova.pValue)}`,
  ].filter((x) => x !== null);
  return [
    `  ${label}, mean (count): ${rows[0] ?? 'no returns'}`,
    ...rows.slice(1).map((row) => `  ${' '.repeat(label.length + 15)}${row}`),
    `    ${tests.length === 0 ? 'no test (fewer than two groups)' : tests.join(' · ')}`,
  ];
}

function adf(label: string, a: AdfOutcome): string {
  if ('error' in a) return `  ${label.padEnd(10)} not tested: ${a.error}`;
  const verdict = a.stationary ? 'stationary (unit root rejected)' : 'unit root not rejected';
  return `  ${label.padEnd(10)} τ ${fmt(a.statistic)}  p ${pValue(a.pValue)}  lag ${a.usedLag}  5 % critical ${fmt(a.criticalValues['5%'])}  → ${verdict}`;
}

function regimes(r: RegimeSummary): string[] {
  const total = Object.values(r.counts).reduce((a, b) => a + b, 0);
  const out = [
    `Regimes: ${Object.entries(r.counts)
      .map(([label, n]) => `${label} ${n} (${pct(total === 0 ? Number.NaN : n / total)})`)
      .join(' · ')}`,
    '  transitions (count, row frequency):',
  ];
  const rows = r.transitions.labels.map((from, i) => [
    from,
    ...r.transitions.labels.map(
      (_, j) => `${r.transitions.counts[i]![j]} (${fmt(r.transitions.frequencies[i]![j], 3)})`,
    ),
  ]);
  out.push(...table(['from \\ to', ...r.transitions.labels], rows, '    '));
  return out;
}

function checks(c: ModelInputChecks): string[] {
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const examples = (list: { symbol: string; line: number; detail: string }[]) =>
    list.slice(0, 3).map((e) => `      ${e.symbol}, line ${e.line}: ${e.detail}`);
  const missingColumns = Object.entries(c.noMissing.byColumn).filter(([, n]) => n > 0);
  return [
    `Model-input checks: ${c.passed ? 'all passed' : 'FAILED — fix the gold table before training'}`,
    `  ${mark(c.noMissing.passed)} no missing values${
      c.noMissing.passed ? '' : `: ${missingColumns.map(([k, n]) => `${k} ${n}`).join(', ')}`
    }`,
    `  ${mark(c.statesValid.passed)} markov_state in 0 … K−1${c.statesValid.passed ? '' : `: ${c.statesValid.invalid} invalid`}`,
    ...examples(c.statesValid.examples),
    `  ${mark(c.labelsMatchStates.passed)} regime labels match states${
      c.labelsMatchStates.passed ? '' : `: ${c.labelsMatchStates.mismatched} mismatched`
    }`,
    ...examples(c.labelsMatchStates.examples),
    `  ${mark(c.datesIncreasing.passed)} dates strictly increasing per symbol${
      c.datesIncreasing.passed ? '' : `: ${c.datesIncreasing.violations} violations`
    }`,
    ...examples(c.datesIncreasing.examples),
    `  ${mark(c.enoughPairs.passed)} ${c.enoughPairs.pairs} transition pairs (TimeSeriesSplit(${c.enoughPairs.folds}) needs ≥ ${c.enoughPairs.required})`,
  ];
}

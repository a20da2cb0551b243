/**
 * Markov chain of a model version: the transition matrix as a heat map with credible intervals,
 * the stationary distribution, expected durations, mean first passage times, hitting probabilities
 * by horizon, chain properties, the Markov-assumption tests and the HMM variant.
 */
import { modelsEmptyState } from '../lib/empty.ts';
import {
  formatCount,
  formatDateTime,
  formatDays,
  formatInterval,
  formatNumber,
  formatPercent,
  formatPValue,
  toNumber,
} from '../lib/format.ts';
import { regimeColor } from '../lib/palette.ts';
import { withParams } from '../lib/route.ts';
import { chooseVersion, heatColor, reachTable, transitionCells } from '../lib/shape.ts';
import type { LikelihoodRatioTest, ModelDetailsResponse, ModelReport } from '../lib/types.ts';
import { lineChart } from '../ui/charts.ts';
import { badge, facts, h, meter, notice, pageHeading, section, table } from '../ui/dom.ts';
import { regimeBadge, unknownVersionNotice, versionPicker } from '../ui/widgets.ts';
import type { Page } from './context.ts';

function summary({ record, report }: ModelDetailsResponse): HTMLElement {
  return section(
    'summary',
    'Model',
    facts([
      ['Version', report.version],
      ['Stage', badge(record.stage, `stage-${record.stage}`)],
      ['Trained', formatDateTime(report.createdAt)],
      [
        'Data',
        `${namedSymbols(report.data.symbols)} · ${formatCount(report.data.rows)} gold rows · ${report.data.firstDate} to ${report.data.lastDate}`,
      ],
      ['Laplace α', String(report.chain.alpha)],
      ['Config hash', h('code', null, report.data.configHash.slice(0, 12))],
      ['Code version', h('code', null, report.data.codeVersion)],
    ]),
    report.chain.warnings.length
      ? notice(
          'warning',
          'Read before trusting the numbers',
          h(
            'ul',
            null,
            report.chain.warnings.map((w) => h('li', null, w)),
          ),
        )
      : null,
  );
}

function heatMap(report: ModelReport): HTMLElement {
  const cells = transitionCells(report);
  const mass = formatPercent(report.chain.credibleIntervals.mass, 0);
  return section(
    'transitions',
    'Transition matrix P',
    h(
      'p',
      null,
      `P(tomorrow’s regime | today’s regime), with ${mass} credible intervals (Beta posterior of each cell) and the transition counts behind them. Each row sums to 1.`,
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'heatmap' },
        h(
          'caption',
          null,
          `Transition matrix P of model ${report.version}: rows are today’s regime, columns tomorrow’s`,
        ),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Today ↓ / Tomorrow →'),
            report.labels.map((l) => h('th', { scope: 'col' }, l)),
          ),
        ),
        h(
          'tbody',
          null,
          cells.map((row, i) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, report.labels[i] ?? `state ${i}`),
              row.map((c) => {
                const { background, color } = heatColor(c.p);
                return h(
                  'td',
                  {
                    style: `background:${background};color:${color}`,
                    title: `${c.from} → ${c.to}: ${formatNumber(c.p, 4)} ${formatInterval(c.lower, c.upper, (x) => formatNumber(x, 4))}, ${formatCount(c.count)} transitions`,
                  },
                  h('span', { class: 'cell-p' }, formatNumber(c.p, 3)),
                  h(
                    'span',
                    { class: 'cell-ci' },
                    formatInterval(c.lower, c.upper, (x) => formatNumber(x, 3)),
                  ),
                  h('span', { class: 'cell-n' }, `n = ${formatCount(c.count)}`),
                );
              }),
            ),
          ),
        ),
      ),
    ),
  );
}

function stationary(report: ModelReport): HTMLElement {
  const s = report.chain.stationary;
  return section(
    'stationary',
    'Stationary distribution π',
    h(
      'p',
      null,
      'The long-run share of days in each regime if the chain ran for ever (πP = π), with its posterior interval.',
    ),
    table({
      caption: 'Stationary distribution with posterior intervals',
      rowHeader: true,
      columns: ['Regime', { label: 'π', numeric: true }, 'Interval', ''],
      rows: report.labels.map((label, i) => [
        regimeBadge(label, report.labels),
        formatPercent(s.value[i]),
        formatInterval(s.lower[i], s.upper[i]),
        meter(s.value[i] ?? 0, { lower: s.lower[i] ?? Number.NaN, upper: s.upper[i] ?? Number.NaN }),
      ]),
    }),
  );
}

function durations(report: ModelReport): HTMLElement {
  const c = report.chain;
  return section(
    'durations',
    'Expected durations',
    h(
      'p',
      null,
      'How long a stay in a regime lasts: the model’s expectation 1 / (1 − Pᵢᵢ) beside the mean run length observed in the data.',
    ),
    table({
      caption: 'Expected and observed stay in each regime (trading days)',
      rowHeader: true,
      columns: [
        'Regime',
        { label: 'Expected stay', numeric: true },
        { label: 'Observed mean run', numeric: true },
        { label: 'Mean recurrence time', numeric: true },
      ],
      rows: report.labels.map((label, i) => [
        regimeBadge(label, report.labels),
        formatDays(c.expectedSojourn[i]),
        formatDays(c.observedMeanRunLength[i]),
        formatDays(c.meanRecurrenceTimes[i]),
      ]),
    }),
  );
}

function passageTimes(report: ModelReport): HTMLElement {
  const m = report.chain.meanFirstPassageTimes;
  return section(
    'passage',
    'Mean first passage times',
    h(
      'p',
      null,
      'Expected trading days to first reach a regime (column) from a regime (row); ∞ where it may never be reached.',
    ),
    table({
      caption:
        'Mean first passage times in trading days: rows are the starting regime, columns the regime reached',
      rowHeader: true,
      columns: ['From ↓ / to →', ...report.labels.map((l) => ({ label: l, numeric: true }))],
      rows: report.labels.map((label, i) => [
        label,
        ...report.labels.map((_, j) => (i === j ? '—' : formatDays(m[i]?.[j]))),
      ]),
    }),
  );
}

function hitting(report: ModelReport): HTMLElement {
  const reach = reachTable(report);
  const a = report.chain.absorbing;
  return section(
    'hitting',
    `Reaching ${a.regime} by horizon`,
    h(
      'p',
      null,
      `P(reach ${a.regime} within h trading days | today’s regime), with posterior intervals, and the expected days until ${a.regime} is first reached.`,
    ),
    table({
      caption: `Probability of reaching ${a.regime} within h days and expected days to ${a.regime}`,
      rowHeader: true,
      columns: [
        'Today',
        ...reach.horizons.map((hz) => ({ label: `within ${hz} d`, numeric: true })),
        { label: `Expected days to ${a.regime}`, numeric: true },
      ],
      rows: reach.rows.map((row, i) => [
        row.start,
        ...row.cells.map((c) =>
          h(
            'span',
            null,
            formatPercent(c.value),
            h('br'),
            h('span', { class: 'interval' }, formatInterval(c.lower, c.upper)),
          ),
        ),
        h(
          'span',
          null,
          formatDays(a.expectedSteps.value[i]),
          h('br'),
          h(
            'span',
            { class: 'interval' },
            formatInterval(a.expectedSteps.lower[i], a.expectedSteps.upper[i], (x) => formatNumber(x, 1)),
          ),
        ),
      ]),
    }),
  );
}

function properties(report: ModelReport): HTMLElement {
  const c = report.chain;
  return section(
    'properties',
    'Chain properties',
    facts([
      ['Spectral gap 1 − |λ₂|', formatNumber(c.spectralGap, 4)],
      [
        'Mixing time',
        toNumber(c.mixingTime) === Number.POSITIVE_INFINITY ? '∞ (not reached)' : formatDays(c.mixingTime, 0),
      ],
      ['Entropy rate', `${formatNumber(c.entropyRate, 4)} nats per day`],
      [
        'Eigenvalues',
        c.eigenvalues
          .map((e) =>
            Math.abs(e.im) < 1e-12
              ? formatNumber(e.re, 4)
              : `${formatNumber(e.re, 4)} ${e.im < 0 ? '−' : '+'} ${formatNumber(Math.abs(e.im), 4)}i`,
          )
          .join(', '),
      ],
    ]),
  );
}

function testRow(name: string, t: LikelihoodRatioTest): (string | HTMLElement)[] {
  return [
    name,
    formatNumber(t.statistic, 2),
    String(t.df),
    formatPValue(t.pValue),
    badge(
      t.rejected ? `rejected at ${t.significanceLevel}` : `not rejected at ${t.significanceLevel}`,
      t.rejected ? 'warn' : 'ok',
    ),
    t.interpretation,
  ];
}

function tests(report: ModelReport): HTMLElement {
  const t = report.chain.tests;
  return section(
    'tests',
    'Markov-assumption tests',
    table({
      caption: 'Likelihood-ratio (G) tests of the Markov assumptions',
      rowHeader: true,
      columns: [
        'Test',
        { label: 'G', numeric: true },
        { label: 'df', numeric: true },
        { label: 'p-value', numeric: true },
        'Result',
        'What it means',
      ],
      rows: [
        testRow('First order vs second order', t.order),
        testRow('Time-homogeneity (first vs second half)', t.homogeneity),
      ],
    }),
  );
}

function hmm(report: ModelReport): HTMLElement | null {
  const m = report.hmm;
  if (m === null) return null;
  return section(
    'hmm',
    'Hidden-Markov variant (Gaussian HMM on daily log returns)',
    m.degenerate ? notice('warning', 'Degenerate fit', m.degeneracyReasons.join('; ')) : null,
    table({
      caption: `HMM states (returns scaled by ${m.returnScale})`,
      rowHeader: true,
      columns: [
        'State',
        { label: 'Mean', numeric: true },
        { label: 'Variance', numeric: true },
        ...m.transition.map((_, j) => ({ label: `→ ${j + 1}`, numeric: true })),
      ],
      rows: m.means.map((mean, i) => [
        `State ${i + 1}`,
        formatNumber(mean, 4),
        formatNumber(m.variances[i], 4),
        ...(m.transition[i] ?? []).map((p) => formatNumber(p, 3)),
      ]),
    }),
    facts([
      ['Log-likelihood', formatNumber(m.logLikelihood, 1)],
      ['AIC', formatNumber(m.aic, 1)],
      ['BIC', formatNumber(m.bic, 1)],
    ]),
  );
}

/**
 * How long regimes last (the semi-Markov chain, DOMAIN §4.2): per regime the chance of still being
 * in a run after d days beside the chain's geometric P_ii^d, the short runs the chain misses, and
 * the expected remaining days at a few ages with their bootstrap intervals.
 */
function durationsByAge(report: ModelReport): HTMLElement | null {
  const sm = report.semiMarkov;
  if (!sm) return null;
  const days = sm.regimes[0]!.survival.map((s) => s.days);
  const mass = formatPercent(sm.bootstrap.mass, 0);
  return section(
    'survival',
    'How long regimes last (semi-Markov chain)',
    h(
      'p',
      { class: 'muted' },
      'The first-order chain makes every stay geometric: the chance of leaving is the same on day 1 and on day 100. The semi-Markov chain lets it depend on the age in the regime. Solid: semi-Markov; dashed: the chain.',
    ),
    lineChart({
      title: 'Still in the regime after d days',
      description:
        'Survival of a regime run by its length, semi-Markov chain against the Markov chain, per regime.',
      x: days,
      time: false,
      xFormat: (v) => `${v} d`,
      yRange: [0, 1],
      yFormat: (v) => formatPercent(v, 0),
      height: 240,
      series: sm.regimes.flatMap((r, i) => [
        {
          label: `${r.regime} (semi-Markov)`,
          values: r.survival.map((s) => s.semiMarkov),
          color: regimeColor(i, report.labels.length),
          format: (v: number) => formatPercent(v, 1),
        },
        {
          label: `${r.regime} (chain)`,
          values: r.survival.map((s) => s.chain),
          color: regimeColor(i, report.labels.length),
          dash: [6, 4],
          format: (v: number) => formatPercent(v, 1),
        },
      ]),
    }),
    table({
      caption: `Runs and remaining days (${mass} intervals from ${formatCount(sm.bootstrap.samples)} bootstrap resamples of runs)`,
      rowHeader: true,
      columns: [
        'Regime',
        { label: 'Runs', numeric: true },
        { label: 'Runs ≤ 2 days', numeric: true },
        { label: 'Geometric predicts', numeric: true },
        ...sm.regimes[0]!.expectedRemaining.map((e) => ({
          label: `Remaining at age ${e.age}`,
          numeric: true,
        })),
        { label: 'Chain, any age', numeric: true },
      ],
      rows: sm.regimes.map((r) => [
        regimeBadge(r.regime, report.labels),
        formatCount(r.runs),
        r.shortRuns.observed === null ? '—' : formatPercent(r.shortRuns.observed, 1),
        formatPercent(r.shortRuns.geometric, 1),
        ...r.expectedRemaining.map(
          (e) =>
            `${formatDays(e.semiMarkov, 1)} ${formatInterval(e.lower, e.upper, (x) => formatNumber(toNumber(x) ?? Number.NaN, 1))}`,
        ),
        formatDays(r.expectedRemaining[0]!.chain, 1),
      ]),
    }),
  );
}

export const chainPage: Page = async (ctx) => {
  const models = await ctx.api.models();
  const empty = modelsEmptyState(models, ctx.status);
  const heading = pageHeading(
    'Markov chain',
    'The regime model: how regimes follow each other, and what that implies',
  );
  if (empty) return h('div', null, heading, notice('empty', 'No model yet', empty.message));
  const version = chooseVersion(models, ctx.route.params.version)!;
  const details = await ctx.api.model(version);
  const { report } = details;
  return h(
    'div',
    null,
    heading,
    h(
      'div',
      { class: 'controls' },
      versionPicker(models, version, (v) => ctx.navigate(withParams(ctx.route, { version: v }))),
    ),
    unknownVersionNotice(ctx.route.params.version, version),
    summary(details),
    heatMap(report),
    h('div', { class: 'columns' }, stationary(report), durations(report)),
    durationsByAge(report),
    hitting(report),
    passageTimes(report),
    tests(report),
    properties(report),
    hmm(report),
  );
};

/** The model's symbols: up to 12 named, the rest counted (a model of 2,000 symbols is one line). */
function namedSymbols(symbols: readonly string[]): string {
  const named = symbols.slice(0, 12).join(', ');
  return symbols.length > 12
    ? `${named} and ${formatCount(symbols.length - 12)} more (${formatCount(symbols.length)} symbols)`
    : named;
}

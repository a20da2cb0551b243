/**
 * Metrics & performance: the model against persistence and climatology (and the HMM) per fold and
 * out-of-fold overall, live accuracy from the drift checks, and the calibration (reliability) chart.
 */
import { historyEmptyState, modelsEmptyState } from '../lib/empty.ts';
import {
  formatCount,
  formatDateTime,
  formatNumber,
  formatPercent,
  metricLabel,
  toNumber,
} from '../lib/format.ts';
import { FORECASTER_COLORS } from '../lib/palette.ts';
import { withParams } from '../lib/route.ts';
import {
  bestForecasters,
  calibrationSeries,
  chainLosses,
  chooseVersion,
  foldSeries,
  HEADLINE_METRICS,
  type HeadlineMetric,
  HORIZON_FORECASTER_LABELS,
  LOWER_IS_BETTER,
  liveAccuracySeries,
} from '../lib/shape.ts';
import type { DriftRecord, Headline, ModelReport } from '../lib/types.ts';
import { type LineSeries, lineChart } from '../ui/charts.ts';
import { badge, h, notice, pageHeading, section, selectField, table } from '../ui/dom.ts';
import { unknownVersionNotice, versionLink, versionPicker } from '../ui/widgets.ts';
import type { Page, PageContext } from './context.ts';

const FORECASTERS = ['model', 'persistence', 'climatology', 'hmm'] as const;
const FORECASTER_LABELS = {
  model: 'Markov model',
  persistence: 'Persistence',
  climatology: 'Climatology',
  hmm: 'HMM',
};

function overall(report: ModelReport): HTMLElement {
  const o = report.evaluation.overall;
  const best = Object.fromEntries(HEADLINE_METRICS.map((m) => [m, bestForecasters(o, m)]));
  return section(
    'overall',
    'One-day forecasts (first version)',
    h(
      'p',
      null,
      `All folds’ test pairs together (n = ${formatCount(o.n)}). Higher is better for accuracy, macro F1 and ROC AUC; lower for log loss and Brier score. The best of each column is marked ★ (ties share it).`,
    ),
    table({
      caption: 'Model against the baselines, out of fold',
      rowHeader: true,
      columns: ['Forecaster', ...HEADLINE_METRICS.map((m) => ({ label: metricLabel(m), numeric: true }))],
      rows: FORECASTERS.filter((f) => o[f] !== null).map((f) => [
        FORECASTER_LABELS[f],
        ...HEADLINE_METRICS.map((m) => {
          const text = formatNumber(toNumber((o[f] as Headline)[m]), 4);
          return best[m]?.includes(f) ? h('strong', { title: 'best' }, `${text} ★`) : text;
        }),
      ]),
    }),
  );
}

function folds(ctx: PageContext, report: ModelReport, metric: HeadlineMetric): HTMLElement {
  const s = foldSeries(report, metric);
  const lines: LineSeries[] = [
    { label: FORECASTER_LABELS.model, values: s.model, color: FORECASTER_COLORS.model, width: 2.5 },
    {
      label: FORECASTER_LABELS.persistence,
      values: s.persistence,
      color: FORECASTER_COLORS.persistence,
      dash: [6, 4],
    },
    {
      label: FORECASTER_LABELS.climatology,
      values: s.climatology,
      color: FORECASTER_COLORS.climatology,
      dash: [2, 3],
    },
    ...(s.hmm ? [{ label: FORECASTER_LABELS.hmm, values: s.hmm, color: FORECASTER_COLORS.hmm }] : []),
  ];
  const foldRows = [...report.evaluation.folds].sort((a, b) => a.fold - b.fold);
  return section(
    'folds',
    'Per fold (walk-forward)',
    h(
      'div',
      { class: 'controls' },
      selectField({
        id: 'metric',
        label: 'Metric',
        value: metric,
        choices: HEADLINE_METRICS.map((m) => ({ value: m, label: metricLabel(m) })),
        onChange: (value) => ctx.navigate(withParams(ctx.route, { metric: value })),
      }),
    ),
    lineChart({
      title: `${metricLabel(metric)} per fold${LOWER_IS_BETTER.has(metric) ? ' (lower is better)' : ' (higher is better)'}`,
      description: `The ${metricLabel(metric)} of the model and the baselines on each walk-forward test fold.`,
      x: s.folds,
      time: false,
      xLabel: 'Fold',
      series: lines,
      height: 240,
      xFormat: (v) => (Number.isInteger(v) ? String(v) : ''),
      xIntegers: true,
      yFormat: (v) => v.toFixed(3),
    }),
    table({
      caption: `${metricLabel(metric)} per fold`,
      rowHeader: true,
      columns: [
        'Fold',
        { label: 'Train pairs', numeric: true },
        { label: 'Test pairs', numeric: true },
        ...FORECASTERS.filter((f) => f !== 'hmm' || s.hmm).map((f) => ({
          label: FORECASTER_LABELS[f],
          numeric: true,
        })),
      ],
      rows: foldRows.map((f, i) => [
        String(f.fold + 1),
        formatCount(f.train.end - f.train.start),
        formatCount(f.test.end - f.test.start),
        formatNumber(s.model[i], 4),
        formatNumber(s.persistence[i], 4),
        formatNumber(s.climatology[i], 4),
        ...(s.hmm ? [formatNumber(s.hmm[i], 4)] : []),
      ]),
    }),
  );
}

function live(records: DriftRecord[], allChecks: number, report: ModelReport): HTMLElement {
  const empty = historyEmptyState('drift', allChecks);
  const series = liveAccuracySeries(records);
  const cv = toNumber(report.evaluation.overall.model.accuracy);
  return section(
    'live',
    'Live accuracy',
    h(
      'p',
      null,
      'Share of served one-day forecasts whose regime came true, measured at each drift check once the next gold day is known — beside the cross-validated accuracy.',
    ),
    empty
      ? notice('empty', 'No drift check yet', empty.message)
      : records.length === 0
        ? notice(
            'empty',
            'No drift check of this version yet',
            `The ${allChecks} recorded drift checks were of other model versions.`,
          )
        : series.x.length === 0
          ? notice(
              'empty',
              'No live outcome yet',
              'Live accuracy needs served predictions (POST /predict) whose next gold day has arrived. None has an outcome yet.',
            )
          : h(
              'div',
              null,
              lineChart({
                title: 'Live accuracy at each drift check',
                description:
                  'Live accuracy over time, with the model’s cross-validated accuracy as a dashed line.',
                x: series.x,
                time: true,
                series: [
                  {
                    label: 'Live accuracy',
                    values: series.accuracy,
                    color: FORECASTER_COLORS.model,
                    format: (v) => formatPercent(v),
                  },
                ],
                hLines:
                  cv === null
                    ? []
                    : [{ value: cv, label: `cross-validated ${formatPercent(cv)}`, color: '#555555' }],
                yRange: [0, 1],
                height: 220,
                yFormat: (v) => formatPercent(v, 0),
              }),
              table({
                caption: 'Latest live accuracy',
                columns: [
                  'Checked',
                  'Model',
                  { label: 'Live accuracy', numeric: true },
                  { label: 'Outcomes', numeric: true },
                ],
                rows: series.x
                  .map((_, i) => [
                    formatDateTime(new Date(series.x[i]! * 1000).toISOString()),
                    versionLink(series.versions[i]!),
                    formatPercent(series.accuracy[i]),
                    formatCount(series.outcomes[i]),
                  ])
                  .reverse()
                  .slice(0, 10),
              }),
            ),
  );
}

const HORIZON_COLORS: Record<string, string> = {
  markov: FORECASTER_COLORS.model,
  direct: '#e65100',
  climatology: FORECASTER_COLORS.climatology,
  persistence: FORECASTER_COLORS.persistence,
};

/**
 * The horizon backtest (DOMAIN §5 v2): per horizon every forecaster's out-of-fold scores with the
 * served one marked, where the chain loses, and the reliability of P(High within h).
 */
function horizonBacktest(ctx: PageContext, report: ModelReport): HTMLElement {
  const t = report.horizons;
  if (!t) {
    return section(
      'horizons',
      'Forecasts at every horizon',
      notice(
        'empty',
        'No horizon backtest for this version',
        'This model was trained before the horizon backtest, or on too little gold for its folds. Train a model on today’s gold (npx finml train, or POST /admin/retrain: it becomes the A/B candidate) to see how the 1-, 5-, 21- and 63-day forecasts score against the baselines — on enough gold for the backtest’s folds.',
      ),
    );
  }
  const high = report.labels[t.highState] ?? 'High';
  const served = new Map(t.served.map((s) => [s.horizon, s.forecaster]));
  const chosen = Number(ctx.route.params.horizon);
  const result = t.results.find((r) => r.horizon === chosen) ?? t.results[t.results.length - 1];
  const losses = chainLosses(report);
  const label = (name: string) => HORIZON_FORECASTER_LABELS[name] ?? name;
  const fmt = (v: number | null | undefined, d = 4) =>
    v === null || v === undefined ? '—' : formatNumber(v, d);
  return section(
    'horizons',
    'Forecasts at every horizon',
    h(
      'p',
      null,
      `Out of fold over ${t.nSplits} date-level folds (a gap of ${t.gap} dates before each test block), for P(regime in h days), P(${high} within h days) from non-${high} days and P(leaving today’s regime within h days). Lower is better for log loss and Brier; skill is 1 − Brier / climatology’s. At each horizon the forecaster with the lowest log loss (★) is the one the API serves.`,
    ),
    ...t.results.map((r) =>
      table({
        caption: `h = ${r.horizon} (${r.horizon === 1 ? '1 day' : `${r.horizon} days`} ahead, ${formatCount(r.origins)} origins)`,
        rowHeader: true,
        columns: [
          'Forecaster',
          { label: 'Log loss', numeric: true },
          { label: 'Brier', numeric: true },
          { label: 'Accuracy', numeric: true },
          { label: 'Skill', numeric: true },
          { label: `P(${high} ≤ h) Brier`, numeric: true },
          { label: 'P(leave ≤ h) Brier', numeric: true },
        ],
        rows: r.forecasters.map((f) => [
          served.get(r.horizon) === f.name
            ? h('strong', { title: 'served' }, `${label(f.name)} ★`)
            : label(f.name),
          fmt(f.regime.logLoss),
          fmt(f.regime.brier),
          formatPercent(f.regime.accuracy),
          fmt(f.regime.brierSkill, 3),
          fmt(f.reachHigh?.brier),
          fmt(f.leave.brier),
        ]),
      }),
    ),
    ...t.skipped.map((s) => notice('info', `h = ${s.horizon} not backtested`, s.reason)),
    h('h3', null, 'Where the chain loses'),
    losses.length === 0
      ? h('p', null, 'The Markov chain has the best out-of-fold scores at every backtested horizon.')
      : h('ul', { class: 'chain-losses' }, ...losses.map((l) => h('li', null, l))),
    result ? reachReliability(ctx, report, result) : null,
  );
}

function reachReliability(
  ctx: PageContext,
  report: ModelReport,
  result: NonNullable<ModelReport['horizons']>['results'][number],
): HTMLElement {
  const t = report.horizons!;
  const high = report.labels[t.highState] ?? 'High';
  const withReach = result.forecasters.filter(
    (f) => f.reachHigh !== null && f.reachHigh.reliability.bins.length > 0,
  );
  return h(
    'div',
    null,
    h('h3', null, `Reliability of P(${high} within ${result.horizon} days)`),
    h(
      'div',
      { class: 'controls' },
      selectField({
        id: 'horizon',
        label: 'Horizon',
        value: String(result.horizon),
        choices: t.results.map((r) => ({ value: String(r.horizon), label: `${r.horizon} days` })),
        onChange: (value) => ctx.navigate(withParams(ctx.route, { horizon: value })),
      }),
    ),
    withReach.length === 0
      ? notice('empty', 'No reliability bins', `No out-of-fold forecast of P(${high} within h) to bin.`)
      : h(
          'div',
          null,
          ...withReach.map((f) => {
            const bins = [...f.reachHigh!.reliability.bins].sort((a, b) => a.meanPredicted - b.meanPredicted);
            const x = [0, ...bins.map((b) => b.meanPredicted), 1];
            return lineChart({
              title: `${HORIZON_FORECASTER_LABELS[f.name] ?? f.name}: P(${high} within ${result.horizon} days)`,
              description: `Observed share of non-${high} days followed by a ${high} day within ${result.horizon} days, against the mean forecast per bin; the diagonal is perfect calibration.`,
              x,
              time: false,
              xLabel: 'Mean forecast probability',
              yLabel: 'Observed frequency',
              series: [
                { label: 'Perfect calibration', values: x, color: '#9e9e9e', dash: [4, 4] },
                {
                  label: 'Observed',
                  values: [null, ...bins.map((b) => b.observedFrequency), null],
                  color: HORIZON_COLORS[f.name] ?? FORECASTER_COLORS.model,
                  pointsOnly: true,
                },
              ],
              xRange: [0, 1],
              yRange: [0, 1],
              height: 240,
              half: true,
              xFormat: (v) => v.toFixed(2),
              yFormat: (v) => v.toFixed(2),
            });
          }),
        ),
  );
}

function calibration(report: ModelReport): HTMLElement {
  const cal = report.evaluation.calibration;
  const s = calibrationSeries(report);
  const label = report.labels[cal.classIndex] ?? 'High';
  const x = [0, ...s.predicted, 1];
  return section(
    'calibration',
    `Calibration of P(${label} tomorrow)`,
    h(
      'p',
      null,
      `Forecasts grouped into ${cal.nBins} equal-width bins: mean forecast against how often ${label} happened. On the diagonal = well calibrated. Brier score ${formatNumber(cal.brier, 4)} over ${formatCount(cal.n)} forecasts.`,
    ),
    s.predicted.length === 0
      ? notice('empty', 'No calibration bins', 'The evaluation has no out-of-fold forecasts to bin.')
      : lineChart({
          title: `Reliability diagram for ${label}`,
          description: `Observed frequency of ${label} against the mean forecast probability per bin, with the diagonal of perfect calibration.`,
          x,
          time: false,
          xLabel: 'Mean forecast probability',
          yLabel: 'Observed frequency',
          series: [
            { label: 'Perfect calibration', values: x, color: '#9e9e9e', dash: [4, 4] },
            {
              label: 'Observed',
              values: [null, ...s.observed, null],
              color: FORECASTER_COLORS.model,
              pointsOnly: true,
            },
          ],
          xRange: [0, 1],
          yRange: [0, 1],
          height: 300,
          half: true,
          xFormat: (v) => v.toFixed(2),
          yFormat: (v) => v.toFixed(2),
        }),
    table({
      caption: 'Reliability bins',
      columns: [
        'Bin',
        { label: 'Forecasts', numeric: true },
        { label: 'Mean forecast', numeric: true },
        { label: 'Observed', numeric: true },
      ],
      rows: cal.bins.map((b) => [
        `(${b.lower.toFixed(1)}, ${b.upper.toFixed(1)}]`,
        formatCount(b.count),
        formatPercent(b.meanPredicted),
        formatPercent(b.observedFrequency),
      ]),
    }),
  );
}

export const metricsPage: Page = async (ctx) => {
  const [models, drift] = await Promise.all([ctx.api.models(), ctx.api.drift(200)]);
  const heading = pageHeading(
    'Metrics & performance',
    'Is the model better than naive forecasts, and does it stay so live?',
  );
  const empty = modelsEmptyState(models, ctx.status);
  if (empty) return h('div', null, heading, notice('empty', 'No model yet', empty.message));
  const version = chooseVersion(models, ctx.route.params.version)!;
  const { report } = await ctx.api.model(version);
  const metric = (HEADLINE_METRICS as readonly string[]).includes(ctx.route.params.metric ?? '')
    ? (ctx.route.params.metric as HeadlineMetric)
    : 'accuracy';
  const records = drift.items.filter((r) => r.modelVersion === version);
  return h(
    'div',
    null,
    heading,
    h(
      'div',
      { class: 'controls' },
      versionPicker(models, version, (v) => ctx.navigate(withParams(ctx.route, { version: v }))),
      version === models.production ? badge('production', 'stage-production') : null,
    ),
    unknownVersionNotice(ctx.route.params.version, version),
    horizonBacktest(ctx, report),
    overall(report),
    folds(ctx, report, metric),
    live(records, drift.items.length, report),
    calibration(report),
  );
};

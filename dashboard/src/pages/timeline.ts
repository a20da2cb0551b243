/** Regime timeline: price with regime bands, the risk score beneath, date range and drag-to-zoom in the URL. */
import { ApiError } from '../lib/api.ts';
import { configNumber } from '../lib/config-view.ts';
import { timelineEmptyState } from '../lib/empty.ts';
import { formatCount, formatDays, formatPercent, formatPValue } from '../lib/format.ts';
import { regimeColor } from '../lib/palette.ts';
import { timelineParams, timelineState, withParams } from '../lib/route.ts';
import {
  notableRuns,
  pickOption,
  regimeCounts,
  regimeRuns,
  secondsToIsoDay,
  timelineSeries,
} from '../lib/shape.ts';
import type { ConfigResponse, CurrentRegime, ModelReport, TimelineResponse } from '../lib/types.ts';
import { lineChart } from '../ui/charts.ts';
import { h, notice, pageHeading, section, selectField, table } from '../ui/dom.ts';
import { regimeBadge, regimeLegend } from '../ui/widgets.ts';
import type { Page, PageContext } from './context.ts';

function controls(ctx: PageContext, symbols: string[], symbol: string): HTMLElement {
  const state = timelineState(ctx.route.params);
  const go = (changes: Partial<typeof state>) =>
    ctx.navigate({ page: 'timeline', params: timelineParams({ ...state, symbol, ...changes }) });
  const from = h('input', { type: 'date', id: 'timeline-from', name: 'from', value: state.from ?? '' });
  const to = h('input', { type: 'date', id: 'timeline-to', name: 'to', value: state.to ?? '' });
  const log = h('input', { type: 'checkbox', id: 'timeline-log', name: 'log', checked: state.log });
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'Timeline controls' },
    selectField({
      id: 'timeline-symbol',
      label: 'Symbol',
      value: symbol,
      choices: symbols.map((s) => ({ value: s, label: s })),
      onChange: (value) => go({ symbol: value }),
    }),
    h('div', { class: 'field' }, h('label', { for: 'timeline-from' }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: 'timeline-to' }, 'To'), to),
    h('div', { class: 'field checkbox' }, log, h('label', { for: 'timeline-log' }, 'Log price scale')),
    h('button', { type: 'submit', class: 'button' }, 'Apply'),
    h(
      'button',
      { type: 'button', class: 'button secondary', onclick: () => go({ from: null, to: null }) },
      'Whole history',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({ from: from.value || null, to: to.value || null, log: log.checked });
  });
  return form;
}

function charts(ctx: PageContext, timeline: TimelineResponse, config: ConfigResponse | null): HTMLElement {
  const state = timelineState(ctx.route.params);
  const series = timelineSeries(timeline.rows);
  const runs = regimeRuns(timeline.rows);
  const K = timeline.labels.length;
  const onSelectX = (min: number, max: number) =>
    ctx.navigate(withParams(ctx.route, { from: secondsToIsoDay(min), to: secondsToIsoDay(max) }));
  const low = configNumber(config, 'data.regimes.thresholds.low');
  const high = configNumber(config, 'data.regimes.thresholds.high');
  const thresholds = [
    ...(low === null
      ? []
      : [{ value: low, label: `${timeline.labels[1] ?? 'Medium'} from ${low}`, color: regimeColor(1, K) }]),
    ...(high === null
      ? []
      : [
          {
            value: high,
            label: `${timeline.labels[K - 1] ?? 'High'} from ${high}`,
            color: regimeColor(K - 1, K),
          },
        ]),
  ];
  return h(
    'div',
    null,
    regimeLegend(timeline.labels),
    lineChart({
      title: `${timeline.symbol} price with regime bands`,
      description: `Daily price of ${timeline.symbol} from ${timeline.rows[0]?.date} to ${timeline.rows.at(-1)?.date}; the background colour is the regime of each day. Drag across the chart to zoom into a date range.`,
      x: series.x,
      time: true,
      series: [{ label: 'Price', values: series.price, color: '#1b2a3a', format: (v) => v.toFixed(2) }],
      bands: { runs, states: K },
      height: 320,
      logY: state.log,
      sync: 'timeline',
      onSelectX,
      yFormat: (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)),
    }),
    lineChart({
      title: 'Risk score (0 = calm, 1 = stressed)',
      description: 'The daily risk score between 0 and 1 with the regime thresholds as dashed lines.',
      x: series.x,
      time: true,
      series: [{ label: 'Risk score', values: series.risk, color: '#3b4b8f' }],
      bands: { runs, states: K },
      height: 180,
      yRange: [0, 1],
      hLines: thresholds,
      sync: 'timeline',
      onSelectX,
      yFormat: (v) => v.toFixed(2),
    }),
    h(
      'p',
      { class: 'muted' },
      'Drag across either chart to zoom into that date range; the range goes into the URL, so the link shows the same view. Use Back or “Whole history” to zoom out.',
    ),
  );
}

function summary(timeline: TimelineResponse): HTMLElement {
  const K = timeline.labels.length;
  const counts = regimeCounts(timeline.rows, K);
  const total = timeline.rows.length;
  const runs = regimeRuns(timeline.rows);
  const high = K - 1;
  const highLabel = timeline.labels[high] ?? 'High';
  const notable = notableRuns(runs, high, 10);
  const latest = runs.filter((r) => r.state === high).at(-1);
  return h(
    'div',
    { class: 'columns' },
    section(
      'mix',
      'Days in each regime',
      table({
        caption: `Trading days per regime, ${timeline.rows[0]?.date} to ${timeline.rows.at(-1)?.date}`,
        rowHeader: true,
        columns: ['Regime', { label: 'Days', numeric: true }, { label: 'Share', numeric: true }],
        rows: timeline.labels.map((label, i) => [
          regimeBadge(label, timeline.labels),
          formatCount(counts[i] ?? 0),
          formatPercent(total ? (counts[i] ?? 0) / total : null),
        ]),
      }),
    ),
    section(
      'high-periods',
      `${highLabel} periods`,
      notable.length === 0
        ? h('p', { class: 'muted' }, `No ${highLabel} day in this range.`)
        : table({
            caption: `The ten longest runs of consecutive ${highLabel} days in this range, and the latest, in date order`,
            className: 'high-periods',
            columns: ['From', 'To', { label: 'Trading days', numeric: true }, ''],
            rows: notable.map((r) => [
              h('time', { datetime: r.from }, r.from),
              h('time', { datetime: r.to }, r.to),
              formatCount(r.days),
              r === latest ? 'latest' : '',
            ]),
          }),
    ),
  );
}

/**
 * Risk from the symbol's current regime (DOMAIN §4.2, §4.4): how long the regime is expected to
 * last from its age, and the VaR/ES at a few horizons from the production model's report — the
 * figures /predict answers for this start — with the out-of-fold VaR backtest beside historical
 * simulation.
 */
function riskSection(
  current: CurrentRegime,
  report: ModelReport | null,
  labels: readonly string[],
): HTMLElement {
  const risk = report?.risk;
  const state = labels.indexOf(current.regime);
  if (!risk || state < 0) {
    return section(
      'risk',
      'Risk',
      notice(
        'empty',
        'No regime risk in this model',
        'The production model was trained before regime-conditional risk existed: drop a new file into the bronze bucket (or run the pipeline again) and the next model carries it.',
      ),
    );
  }
  const level = (q: number) => `${Math.round(q * 1000) / 10} %`;
  const backtest = risk.backtest;
  return section(
    'risk',
    `Risk from today’s regime (${current.regime}${current.regimeAge ? ` for ${current.regimeAge} days` : ''}, as of ${current.date})`,
    h(
      'p',
      { class: 'muted' },
      `P(leaving ${current.regime} within 5 days) ${current.leaveWithin5 === undefined ? '—' : formatPercent(current.leaveWithin5, 1)}, within 21 days ${current.leaveWithin21 === undefined ? '—' : formatPercent(current.leaveWithin21, 1)}; expected remaining days ${formatDays(current.expectedRemainingDays)}. ` +
        `VaR and ES are losses in log-return units, from ${formatCount(risk.horizons.draws)} simulated regime paths starting in ${current.regime}. They are the model’s, not this symbol’s own: each regime’s daily returns are pooled over every symbol the model was trained on (${formatCount(risk.regimes.reduce((n, r) => n + (r.distribution?.n ?? 0), 0))} days), so two symbols in the same regime get the same figures.`,
    ),
    table({
      caption: `Value-at-Risk and expected shortfall from ${current.regime}, by horizon`,
      className: 'risk-horizons',
      rowHeader: true,
      columns: [
        'Horizon',
        ...risk.levels.flatMap((q) => [
          { label: `VaR ${level(q)}`, numeric: true },
          { label: `ES ${level(q)}`, numeric: true },
        ]),
      ],
      rows: risk.horizons.table.map((row) => {
        const g = row.byRegime[state]!;
        return [
          `${row.horizon} ${row.horizon === 1 ? 'day' : 'days'}`,
          ...risk.levels.flatMap((_, l) => [
            g.valueAtRisk ? formatPercent(g.valueAtRisk[l]!, 2) : '—',
            g.expectedShortfall ? formatPercent(g.expectedShortfall[l]!, 2) : '—',
          ]),
        ];
      }),
    }),
    backtest
      ? table({
          caption: `The 1-day VaR out of fold on ${formatCount(backtest.days)} days, beside ${backtest.historicalWindow}-day historical simulation (all symbols of the model)`,
          rowHeader: true,
          columns: [
            'Level · forecaster',
            { label: 'Violations', numeric: true },
            { label: 'Rate', numeric: true },
            { label: 'Kupiec p', numeric: true },
            { label: 'Independence p', numeric: true },
            { label: 'Conditional coverage p', numeric: true },
          ],
          rows: backtest.levels.flatMap((l) =>
            (
              [
                ['regime model', l.regime],
                ['historical simulation', l.historical],
              ] as const
            ).map(([name, t]) => [
              `${level(l.level)} · ${name}`,
              formatCount(t.violations),
              `${formatPercent(t.rate, 2)} (expected ${formatPercent(t.expectedRate, 0)})`,
              formatPValue(t.kupiec.pValue),
              formatPValue(t.independence.pValue),
              formatPValue(t.conditionalCoverage.pValue),
            ]),
          ),
        })
      : null,
  );
}

export const timelinePage: Page = async (ctx) => {
  const state = timelineState(ctx.route.params);
  const [regimes, config] = await Promise.all([ctx.api.regimes(), ctx.api.config().catch(() => null)]);
  const known = regimes.symbols.map((s) => s.symbol).sort();
  const symbols = state.symbol && !known.includes(state.symbol) ? [state.symbol, ...known] : known;
  const symbol = pickOption(symbols, state.symbol);
  const heading = pageHeading(
    'Regime timeline',
    symbol ? `${symbol}: price, regime and risk score by day` : undefined,
  );
  if (symbol === null) {
    const empty = timelineEmptyState(symbols, null, state, ctx.status)!;
    return h('div', null, heading, notice('empty', 'No symbol yet', empty.message));
  }
  // A symbol without gold (a link from elsewhere, or a typo): say so, and keep the symbol picker.
  const noGold = () =>
    h(
      'div',
      null,
      heading,
      controls(ctx, symbols, symbol),
      notice(
        'empty',
        `No gold for ${symbol}`,
        `There are no regimes for "${symbol}" yet. Pick another symbol above, or drop a market CSV with ` +
          'this symbol into the bronze bucket (under market_data/) and wait for the pipeline run. ' +
          'Loaded already? A symbol gets its first gold row after its warm-up and burn-in ' +
          '(features.volatilityWindow + scoring.minHistory trading days): the Data quality page’s warnings say how much more history it needs.',
      ),
    );
  if (!known.includes(symbol)) return noGold();
  let timeline: TimelineResponse;
  try {
    timeline = await ctx.api.timeline(symbol, state.from ?? undefined, state.to ?? undefined);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return noGold(); // gold removed meanwhile
    throw error;
  }
  const empty = timelineEmptyState(symbols, timeline, state, ctx.status);
  const current = regimes.symbols.find((s) => s.symbol === symbol)!;
  const report = regimes.modelVersion
    ? await ctx.api
        .model(regimes.modelVersion)
        .then((d) => d.report)
        .catch(() => null)
    : null;
  return h(
    'div',
    null,
    heading,
    controls(ctx, symbols, symbol),
    empty
      ? notice('empty', 'Nothing in this range', empty.message)
      : h(
          'div',
          null,
          h(
            'p',
            { class: 'muted' },
            `${formatCount(timeline.rows.length)} trading days, ${timeline.rows[0]?.date} to ${timeline.rows.at(-1)?.date}.`,
          ),
          charts(ctx, timeline, config),
          riskSection(current, report, regimes.labels ?? report?.labels ?? []),
          summary(timeline),
        ),
  );
};

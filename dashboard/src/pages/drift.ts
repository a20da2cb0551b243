/**
 * Alerts & drift: alerts by severity and time, the latest drift check per symbol and feature, and
 * KS, PSI and chain-drift statistics over time with the thresholds in force.
 */
import { configNumber } from '../lib/config-view.ts';
import { historyEmptyState } from '../lib/empty.ts';
import { formatCount, formatDateTime, formatNumber, formatPValue } from '../lib/format.ts';
import { formatHash, withParams } from '../lib/route.ts';
import {
  alertsPerDay,
  chainDriftSeries,
  countBySeverity,
  driftDimensions,
  driftingFirst,
  driftSeries,
  filterAlerts,
  isSeverity,
  newestFirst,
  pickOption,
  rangeWithLines,
} from '../lib/shape.ts';
import type { AlertRecord, ConfigResponse, DriftRecord } from '../lib/types.ts';
import { SEVERITIES } from '../lib/types.ts';
import { type HLine, lineChart } from '../ui/charts.ts';
import { badge, h, notice, pageHeading, section, selectField, table } from '../ui/dom.ts';
import { alertCard, versionLink } from '../ui/widgets.ts';
import type { Page, PageContext } from './context.ts';

const SHOWN_ALERTS = 50;
const SEVERITY_COLORS = { critical: '#7f0000', high: '#c62828', medium: '#b26a00', low: '#607d8b' } as const;

function perDayBars(alerts: AlertRecord[]): HTMLElement | null {
  const days = alertsPerDay(alerts).slice(-60);
  if (days.length === 0) return null;
  const max = Math.max(...days.map((d) => SEVERITIES.reduce((s, v) => s + d.counts[v], 0)));
  return h(
    'figure',
    { class: 'day-bars-figure' },
    h('figcaption', null, 'Alerts per day (UTC), by severity'),
    h(
      'div',
      { class: 'day-bars' },
      days.map((d) => {
        const total = SEVERITIES.reduce((s, v) => s + d.counts[v], 0);
        const label = `${d.day}: ${SEVERITIES.filter((v) => d.counts[v] > 0)
          .map((v) => `${d.counts[v]} ${v}`)
          .join(', ')}`;
        return h(
          'div',
          { class: 'day-bar', title: label, role: 'img', 'aria-label': label },
          h(
            'div',
            { class: 'day-bar-stack', style: `height:${((total / max) * 100).toFixed(1)}%` },
            SEVERITIES.filter((v) => d.counts[v] > 0).map((v) =>
              h('div', { style: `flex:${d.counts[v]};background:${SEVERITY_COLORS[v]}` }),
            ),
          ),
        );
      }),
    ),
    h('div', { class: 'day-bars-axis' }, h('span', null, days[0]!.day), h('span', null, days.at(-1)!.day)),
  );
}

function alertsSection(ctx: PageContext, alerts: AlertRecord[]): HTMLElement {
  const empty = historyEmptyState('alerts', alerts.length);
  const severity = isSeverity(ctx.route.params.severity) ? ctx.route.params.severity : undefined;
  const shown = filterAlerts(alerts, severity);
  const counts = countBySeverity(alerts);
  return section(
    'alerts',
    'Alerts',
    empty
      ? notice('empty', 'No alerts', empty.message)
      : h(
          'div',
          null,
          h(
            'div',
            { class: 'filter-bar', role: 'group', 'aria-label': 'Filter alerts by severity' },
            h(
              'a',
              {
                class: 'chip',
                href: formatHash(withParams(ctx.route, { severity: null })),
                'aria-current': severity === undefined ? 'true' : null,
              },
              `All (${alerts.length})`,
            ),
            counts.map((c) =>
              h(
                'a',
                {
                  class: `chip severity-${c.severity}`,
                  href: formatHash(withParams(ctx.route, { severity: c.severity })),
                  'aria-current': severity === c.severity ? 'true' : null,
                },
                `${c.severity} (${c.count})`,
              ),
            ),
          ),
          perDayBars(alerts),
          h(
            'p',
            { class: 'muted' },
            `Showing ${Math.min(SHOWN_ALERTS, shown.length)} of ${shown.length} alert(s), newest first.`,
          ),
          h(
            'div',
            { class: 'alert-list' },
            shown.slice(0, SHOWN_ALERTS).map((a, i) => alertCard(a, i === 0)),
          ),
        ),
  );
}

/** Symbols the latest-check tables list, at most. */
const SHOWN_SYMBOLS = 100;

function latestCheck(record: DriftRecord): HTMLElement {
  const verdictVariant = record.verdict === 'ok' ? 'ok' : record.verdict === 'warn' ? 'warn' : 'bad';
  const all = record.symbols ?? [];
  // With hundreds of symbols the tables would be thousands of rows: the drifting ones first.
  const shown = driftingFirst(all, SHOWN_SYMBOLS);
  return section(
    'latest-drift',
    'Latest drift check',
    h(
      'p',
      null,
      badge(record.verdict, verdictVariant),
      ` ${formatDateTime(record.at)} · model `,
      versionLink(record.modelVersion),
      modelDriftText(record),
    ),
    record.symbolCount === undefined
      ? null
      : h(
          'p',
          { id: 'drift-coverage' },
          `${formatCount(record.symbolCount)} symbol(s) checked, ${formatCount(record.driftingSymbolCount ?? 0)} with drift` +
            (record.driftingSymbols?.length
              ? `: ${record.driftingSymbols.join(', ')}${(record.driftingSymbolCount ?? 0) > record.driftingSymbols.length ? ', …' : ''}`
              : '') +
            '.',
        ),
    record.skippedCount ? skippedList(record) : null,
    record.reasons.length
      ? h(
          'ul',
          null,
          record.reasons.map((r) => h('li', null, r)),
        )
      : null,
    record.driftStreak === undefined
      ? null
      : h(
          'p',
          { id: 'drift-streak' },
          record.breached
            ? `A threshold was breached on ${formatCount(record.driftStreak)} consecutive check(s) of this model; drift retrains after ${formatCount(record.persistChecks ?? 0)} in a row${record.blockedBy?.length ? `, but: ${record.blockedBy.join('; ')}` : ''}.`
            : 'No threshold was breached on this check: the run of breaches starts again at 0.',
        ),
    (record.symbolCount ?? all.length) > shown.length
      ? h(
          'p',
          { id: 'drift-shown', class: 'muted' },
          `The tables show ${formatCount(shown.length)} of the check's ${formatCount(record.symbolCount ?? all.length)} symbols, those with drift first; pick any symbol under "Drift over time" for its history.`,
        )
      : null,
    table({
      caption: 'Data drift per symbol and feature (window against the reference)',
      columns: [
        'Symbol',
        'Feature',
        'Window',
        { label: 'KS D', numeric: true },
        { label: 'KS threshold', numeric: true },
        { label: 'KS p (asymptotic)', numeric: true },
        { label: 'KS p (block bootstrap)', numeric: true },
        { label: 'PSI', numeric: true },
        { label: 'PSI threshold', numeric: true },
        'Thresholds',
        'Drift',
      ],
      rows: shown.flatMap((s) =>
        s.features.map((f) => [
          s.symbol,
          f.feature,
          `${s.window.from} to ${s.window.to}`,
          formatNumber(f.ksD, 3),
          f.thresholds ? formatNumber(f.thresholds.ks, 3) : '—',
          formatPValue(f.ksP),
          formatPValue(f.ksBootstrapP),
          formatNumber(f.psi, 3),
          f.thresholds ? formatNumber(f.thresholds.psi, 3) : '—',
          f.thresholds === undefined
            ? `fixed (band ${f.band})`
            : f.thresholds.source === 'calibrated'
              ? `calibrated on ${formatCount(s.calibrationChunks ?? 0)} quarters${f.thresholds.psiAtCeiling ? ' · PSI at its ceiling (KS decides)' : ''}`
              : f.thresholds.source,
          f.drift ? badge('drift', 'bad') : badge('no', 'ok'),
        ]),
      ),
    }),
    table({
      caption: 'Regime mix, chain drift and anomalies per symbol',
      rowHeader: true,
      columns: [
        'Symbol',
        { label: 'Regime-mix TV', numeric: true },
        { label: 'TV threshold', numeric: true },
        { label: 'Regime-mix χ² p', numeric: true },
        { label: 'Chain G²', numeric: true },
        { label: 'G² threshold', numeric: true },
        { label: 'Chain G-test p', numeric: true },
        'Mix / chain drift',
        { label: 'Anomalies', numeric: true },
      ],
      rows: shown.map((s) => [
        s.symbol,
        s.regimeMixTv === undefined ? '—' : formatNumber(s.regimeMixTv, 3),
        s.regimeMixThreshold == null ? 'p-value rule' : formatNumber(s.regimeMixThreshold, 3),
        formatPValue(s.regimeMixP),
        formatNumber(s.chainStatistic, 2),
        s.chainThreshold == null ? 'p-value rule' : formatNumber(s.chainThreshold, 2),
        formatPValue(s.chainP),
        `${s.regimeMixDrift ? 'mix drift' : 'mix ok'} · ${s.chainDrift ? 'chain drift' : 'chain ok'}`,
        formatCount(s.anomalies),
      ]),
    }),
  );
}

/** The symbol and feature the over-time charts show: the route's, else the first the checks have. */
function chosen(ctx: PageContext, records: DriftRecord[]) {
  const { symbols, features } = driftDimensions(records);
  return {
    symbols,
    features,
    symbol: pickOption(symbols, ctx.route.params.symbol),
    feature: pickOption(features, ctx.route.params.feature),
  };
}

/**
 * `records`: the checks (the newest with every symbol); `ofSymbol`: the chosen symbol's statistics at
 * each check (GET /drift?symbol=), with any older check that kept its symbols in its own record.
 */
function overTime(
  ctx: PageContext,
  records: DriftRecord[],
  ofSymbol: DriftRecord[],
  config: ConfigResponse | null,
): HTMLElement {
  const { symbols, features, symbol, feature } = chosen(ctx, records);
  if (symbol === null || feature === null) {
    return section(
      'drift-history',
      'Drift over time',
      h('p', { class: 'muted' }, 'The drift checks recorded no symbol.'),
    );
  }
  const seen = new Set(ofSymbol.map((r) => r.at));
  const history = [...ofSymbol, ...records.filter((r) => r.symbolsKey === undefined && !seen.has(r.at))];
  const s = driftSeries(history, symbol, feature);
  const chain = chainDriftSeries(history, symbol);
  const oneThreshold = new Set(chain.thresholds).size === 1;
  // The thresholds in force: the newest check's own (calibrated per symbol), else the config's.
  // (the symbol's own newest check: the newest record carries at most 100 symbols)
  const newest = [ofSymbol[0], records[0]]
    .map((r) => r?.symbols?.find((x) => x.symbol === symbol))
    .find((x) => x !== undefined)
    ?.features.find((f) => f.feature === feature);
  const calibrated = newest?.thresholds?.source === 'calibrated' ? newest.thresholds : null;
  const ks = calibrated ? calibrated.ks : configNumber(config, 'monitoring.drift.ksThreshold');
  const moderate = calibrated ? null : configNumber(config, 'monitoring.drift.psi.moderate');
  const significant = calibrated ? calibrated.psi : configNumber(config, 'monitoring.drift.psi.significant');
  const alpha = configNumber(config, 'monitoring.drift.transitionAlpha');
  const line = (value: number | null, label: string, color: string): HLine[] =>
    value === null ? [] : [{ value, label, color }];
  const few =
    s.x.length < 2
      ? h(
          'p',
          { class: 'muted' },
          `${s.x.length} drift check(s) so far: the lines fill in as checks accumulate.`,
        )
      : null;
  return section(
    'drift-history',
    'Drift over time',
    h(
      'div',
      { class: 'controls' },
      selectField({
        id: 'drift-symbol',
        label: 'Symbol',
        value: symbol,
        choices: symbols.map((v) => ({ value: v, label: v })),
        onChange: (v) => ctx.navigate(withParams(ctx.route, { symbol: v })),
      }),
      selectField({
        id: 'drift-feature',
        label: 'Feature',
        value: feature,
        choices: features.map((v) => ({ value: v, label: v })),
        onChange: (v) => ctx.navigate(withParams(ctx.route, { feature: v })),
      }),
    ),
    few,
    h(
      'div',
      { class: 'chart-row' },
      lineChart({
        title: `Kolmogorov–Smirnov D · ${symbol} ${feature}`,
        description: `KS distance between the window and the reference for ${feature} of ${symbol} at each drift check.`,
        x: s.x,
        time: true,
        series: [{ label: 'KS D', values: s.ksD, color: '#1f5fbf' }],
        hLines: line(
          ks,
          calibrated ? `calibrated threshold ${formatNumber(calibrated.ks, 3)}` : `threshold ${ks}`,
          '#c62828',
        ),
        yRange: [0, 1],
        height: 220,
        half: true,
      }),
      lineChart({
        title: `Population stability index · ${symbol} ${feature}`,
        description: `PSI of ${feature} of ${symbol} at each drift check, with the moderate and significant bands.`,
        x: s.x,
        time: true,
        series: [{ label: 'PSI', values: s.psi, color: '#7b1fa2' }],
        hLines: [
          ...line(moderate, `moderate ${moderate}`, '#b26a00'),
          ...line(
            significant,
            calibrated
              ? `calibrated threshold ${formatNumber(calibrated.psi, 3)}`
              : `significant ${significant}`,
            '#c62828',
          ),
        ],
        yRange: rangeWithLines(s.psi, [moderate, significant]),
        height: 220,
        half: true,
      }),
    ),
    chain.threshold !== null
      ? lineChart({
          title: `Chain drift: G² · ${symbol}`,
          description: `G² of the window's transitions against the model's transition matrix for ${symbol}, with each check's calibrated threshold; above the threshold is chain drift.`,
          x: chain.x,
          time: true,
          // One threshold for every check: a line; else each check's own (a new model or window).
          series: [
            { label: 'G²', values: chain.statistic, color: '#00838f' },
            ...(oneThreshold
              ? []
              : [
                  { label: 'calibrated threshold', values: chain.thresholds, color: '#c62828', dash: [6, 4] },
                ]),
          ],
          hLines: oneThreshold
            ? line(chain.threshold, `calibrated threshold ${formatNumber(chain.threshold, 1)}`, '#c62828')
            : [],
          yRange: rangeWithLines(chain.statistic, chain.thresholds),
          height: 200,
        })
      : lineChart({
          title: `Chain drift: G-test p-value · ${symbol}`,
          description: `p-value of the G-test of the window's transitions against the model's transition matrix for ${symbol}; below the line is chain drift.`,
          x: chain.x,
          time: true,
          series: [
            { label: 'G-test p', values: chain.pValue, color: '#00838f', format: (v) => formatPValue(v) },
          ],
          hLines: line(alpha, `α = ${alpha}`, '#c62828'),
          yRange: [0, 1],
          height: 200,
        }),
  );
}

export const driftPage: Page = async (ctx) => {
  const [alerts, drift, config] = await Promise.all([
    ctx.api.alerts(200),
    ctx.api.drift(200),
    ctx.api.config().catch(() => null),
  ]);
  const records = newestFirst(drift.items);
  const driftEmpty = historyEmptyState('drift', records.length);
  const { symbol } = chosen(ctx, records);
  const ofSymbol = symbol === null ? [] : newestFirst((await ctx.api.drift(200, symbol)).items);
  return h(
    'div',
    null,
    pageHeading(
      'Alerts & drift',
      'What went wrong, how large it is, and whether the data still looks like the training data',
    ),
    alertsSection(ctx, alerts.items),
    driftEmpty
      ? section('latest-drift', 'Drift checks', notice('empty', 'No drift check yet', driftEmpty.message))
      : [latestCheck(records[0]!), overTime(ctx, records, ofSymbol, config)],
  );
};

/** The served forecasts against the model's cross-validation, as the check's rule judged them. */
export function modelDriftText(record: DriftRecord): string {
  if (record.liveAccuracy === null) return '';
  const sample = `${formatCount(record.liveOutcomes)} symbol-days`;
  if (record.modelDriftRule === 'log-loss-dm' && record.liveLogLoss != null) {
    const test =
      record.modelDriftP == null
        ? 'no test yet'
        : `Diebold–Mariano p ${formatNumber(record.modelDriftP, 3)}${record.modelDriftVerdict === 'log-loss-rise' ? ': worse than in cross-validation' : ''}`;
    const few = record.modelDriftVerdict === 'not-enough-outcomes' ? ' (too few to decide)' : '';
    return ` · live log loss ${formatNumber(record.liveLogLoss, 3)} over ${sample}${few}, ${test} · live accuracy ${formatNumber(record.liveAccuracy, 3)}`;
  }
  return ` · live accuracy ${formatNumber(record.liveAccuracy, 3)} over ${sample}`;
}

/** The symbols with gold the check could not judge, and why (the first ones the record names). */
function skippedList(record: DriftRecord): HTMLElement {
  const named = record.skipped ?? [];
  const more = (record.skippedCount ?? 0) - named.length;
  return h(
    'details',
    { id: 'drift-skipped' },
    h(
      'summary',
      null,
      `${formatCount(record.skippedCount ?? 0)} symbol(s) with gold not checked (too little history, or not in the model)`,
    ),
    h(
      'ul',
      { class: 'compact' },
      named.map((k) => h('li', null, `${k.symbol}: ${k.reason}`)),
      more > 0
        ? h('li', { class: 'muted' }, `… and ${formatCount(more)} more (in the check's report)`)
        : null,
    ),
  );
}

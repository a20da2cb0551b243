/** Home: each symbol's current regime and P(High within 5 and 21 days), system status, latest alerts. */
import { homeEmptyState } from '../lib/empty.ts';
import {
  formatAgo,
  formatCount,
  formatDateTime,
  formatInterval,
  formatPercent,
  toNumber,
} from '../lib/format.ts';
import { href, withParams } from '../lib/route.ts';
import { daysBehind, pickOption } from '../lib/shape.ts';
import type { JsonNumber, ProbabilityInterval, StatusResponse } from '../lib/types.ts';
import { badge, facts, h, meter, notice, pageHeading, section, selectField, table } from '../ui/dom.ts';
import { alertCard, regimeBadge, versionLink } from '../ui/widgets.ts';
import type { Page } from './context.ts';

function probabilityCell(p: ProbabilityInterval): HTMLElement {
  const value = toNumber(p.probability);
  const lower = toNumber(p.lower);
  const upper = toNumber(p.upper);
  return h(
    'span',
    { class: 'prob' },
    h('span', { class: 'prob-value' }, formatPercent(p.probability)),
    ' ',
    h('span', { class: 'interval' }, formatInterval(p.lower, p.upper)),
    value === null
      ? null
      : meter(
          value,
          lower !== null && upper !== null ? { lower, upper } : undefined,
          'probability with its credible interval',
        ),
  );
}

/**
 * The cell of a symbol already in High: P(High within h) would be 100 %, so it shows the way out —
 * P(leaving High within h days) — and, in the 21-day column, the expected remaining days.
 */
function leaveCell(high: string, probability: number | undefined, remaining?: JsonNumber): HTMLElement {
  const days = toNumber(remaining);
  return h(
    'span',
    { class: 'prob prob-leave' },
    h('span', { class: 'prob-value' }, `in ${high}: leaves with ${formatPercent(probability)}`),
    days === null
      ? null
      : h(
          'span',
          { class: 'interval' },
          ` · ≈ ${Number.isFinite(days) ? days.toFixed(1) : '∞'} more days expected`,
        ),
  );
}

/** A symbol's newest day, marked when it is behind the newest of all symbols (left out of a file?). */
function behindCell(date: string, dates: readonly string[]): HTMLElement {
  const behind = daysBehind(date, dates);
  return h(
    'span',
    null,
    h('time', { datetime: date }, date),
    behind === null ? null : [' ', badge(`${behind} ${behind === 1 ? 'day' : 'days'} behind`, 'warn')],
  );
}

function statusPanel(status: StatusResponse, now: number): HTMLElement {
  const q = status.lastQualityRecord;
  return section(
    'status',
    'System status',
    facts([
      [
        'Production model',
        status.production
          ? h(
              'span',
              null,
              versionLink(status.production.version),
              ` since ${formatDateTime(status.production.updatedAt)} (${formatAgo(status.production.updatedAt, now)})`,
            )
          : 'none yet',
      ],
      [
        'A/B candidate',
        status.candidate
          ? h(
              'span',
              null,
              versionLink(status.candidate.version),
              status.candidate.trafficShare === undefined
                ? ''
                : ` · ${formatPercent(status.candidate.trafficShare, 0)} of requests`,
              ' · ',
              h('a', { href: href('ab-tests', { candidate: status.candidate.version }) }, 'A/B test'),
            )
          : 'none',
      ],
      ['Registered models', formatCount(status.models)],
      ['Symbols in gold', formatCount(status.symbols)],
      [
        'Last data-quality check',
        q
          ? h(
              'span',
              null,
              q.scored === false
                ? [`${q.layer} n/a `, badge('no gold rows yet', 'info')]
                : [
                    `${q.layer} ${q.score.toFixed(1)} % (gate ${q.gate} %) `,
                    badge(q.passed ? 'passed' : 'failed', q.passed ? 'ok' : 'bad'),
                  ],
              ` · ${q.file} · ${formatAgo(q.at, now)} · `,
              h('a', { href: href('data') }, 'details'),
            )
          : 'none yet',
      ],
    ]),
  );
}

const METHOD = [
  'Each trading day of each symbol gets a risk score between 0 and 1: a weighted mix of how high its 21-day realised volatility and its drawdown are compared with the symbol’s own history up to that day (an expanding empirical CDF, so a volatile stock is not always “High”, and a day’s regime never depends on later data). Two thresholds cut the score into regimes — Low, Medium and High (0.33 and 0.67 by default; the ones in force are listed in Settings).',
  'The day-to-day moves between regimes are counted and smoothed into a Markov transition matrix P. Powers of P give the regime distribution h days ahead; treating High as absorbing gives the probability of reaching High within h days. A probability the chain answers comes with a 95 % credible interval from the Dirichlet posterior of P, so a wide interval says how little the data pins it down (at a horizon where a direct or semi-Markov forecaster backtested better, it answers instead, without an interval).',
  'The model is scored walk-forward (no look-ahead) against persistence and climatology baselines, watched for data drift, chain drift and falling live accuracy, retrained when a rule fires, and A/B tested before it replaces production.',
];

export const homePage: Page = async (ctx) => {
  const [status, regimes] = await Promise.all([ctx.api.status(), ctx.api.regimes()]);
  const empty = homeEmptyState(status, regimes);
  const labels = regimes.labels ?? [];
  const highLabel = labels[labels.length - 1] ?? 'High';
  const all = [...regimes.symbols].sort((a, b) => a.symbol.localeCompare(b.symbol));
  const dates = all.map((s) => s.date);
  // Many symbols: a filter by today's regime (in the URL, #/?regime=High).
  const regime = pickOption(['all', ...labels], ctx.route.params.regime) ?? 'all';
  const rows = regime === 'all' ? all : all.filter((s) => s.regime === regime);
  const filter =
    all.length > 10
      ? h(
          'div',
          { class: 'controls' },
          selectField({
            id: 'home-regime',
            label: 'Regime',
            value: regime,
            choices: [
              { value: 'all', label: `All (${all.length})` },
              ...labels.map((l) => ({
                value: l,
                label: `${l} (${all.filter((s) => s.regime === l).length})`,
              })),
            ],
            onChange: (v) => ctx.navigate(withParams(ctx.route, { regime: v === 'all' ? null : v })),
          }),
          h('p', { class: 'muted' }, `Showing ${rows.length} of ${all.length} symbols.`),
        )
      : null;
  return h(
    'div',
    null,
    pageHeading(
      'Market-risk regimes',
      regimes.modelVersion
        ? ['Model ', versionLink(regimes.modelVersion), ' in production']
        : 'No model in production',
    ),
    empty
      ? notice('empty', empty.kind === 'no-model' ? 'Getting started' : 'Nothing to show yet', empty.message)
      : section(
          'regimes',
          'Current regime per symbol',
          filter,
          table({
            caption: `Current regime (as of each symbol's newest gold day) and the probability of reaching ${highLabel} within 5 and 21 trading days — for a symbol already in ${highLabel}, of leaving it`,
            captionHidden: false,
            rowHeader: true,
            columns: [
              'Symbol',
              'As of',
              'Regime',
              `P(${highLabel} within 5 days)`,
              `P(${highLabel} within 21 days)`,
              'Timeline',
            ],
            rows: rows.map((s) => [
              s.symbol,
              behindCell(s.date, dates),
              regimeBadge(s.regime, labels),
              s.regime === highLabel && s.leaveWithin5 !== undefined
                ? leaveCell(highLabel, s.leaveWithin5)
                : probabilityCell(s.highWithin5),
              s.regime === highLabel && s.leaveWithin21 !== undefined
                ? leaveCell(highLabel, s.leaveWithin21, s.expectedRemainingDays)
                : probabilityCell(s.highWithin21),
              h(
                'a',
                {
                  href: href('timeline', { symbol: s.symbol }),
                  'aria-label': `Regime timeline of ${s.symbol}`,
                },
                'Timeline',
              ),
            ]),
          }),
        ),
    h(
      'div',
      { class: 'columns' },
      statusPanel(status, ctx.now),
      section(
        'latest-alerts',
        'Latest alerts',
        status.latestAlerts.length === 0
          ? h('p', { class: 'muted' }, 'No alert has been raised.')
          : h(
              'div',
              { class: 'alert-list' },
              status.latestAlerts.map((a) => alertCard(a)),
            ),
        h('p', null, h('a', { href: href('drift') }, 'All alerts and drift checks')),
      ),
    ),
    section(
      'method',
      'How it works',
      METHOD.map((p) => h('p', null, p)),
      h('p', null, 'The terms are explained in the ', h('a', { href: href('glossary') }, 'glossary'), '.'),
    ),
  );
};

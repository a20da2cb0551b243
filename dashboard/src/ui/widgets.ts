/** Pieces several pages share: regime and severity badges, alert cards, version pickers. */
import { formatCount, formatDateTime, formatNumber } from '../lib/format.ts';
import { regimeColor } from '../lib/palette.ts';
import { alertHref, href } from '../lib/route.ts';
import type { AlertRecord, ModelsResponse } from '../lib/types.ts';
import { badge, type Child, command, h, notice, selectField, table } from './dom.ts';

/** A regime name on its regime colour. */
export function regimeBadge(regime: string, labels: readonly string[]): HTMLElement {
  const state = labels.indexOf(regime);
  const el = h('span', { class: 'badge regime', 'data-regime': regime }, regime);
  if (state >= 0) el.style.backgroundColor = regimeColor(state, labels.length);
  return el;
}

/** The colour key of the regimes. */
export function regimeLegend(labels: readonly string[]): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Regime colours' },
    labels.map((label, i) =>
      h(
        'li',
        null,
        h('span', { class: 'swatch', style: `background:${regimeColor(i, labels.length)}` }),
        label,
      ),
    ),
  );
}

export function severityBadge(severity: string): HTMLElement {
  return badge(severity, `severity-${severity}`);
}

function measureValue(m: AlertRecord['measures'][number]): string {
  const value =
    typeof m.value !== 'number'
      ? m.value
      : Number.isInteger(m.value)
        ? formatCount(m.value)
        : formatNumber(m.value, Math.abs(m.value) >= 100 ? 1 : 4);
  const unit = m.unit ? ` ${m.unit}` : '';
  return `${value}${unit}`;
}

/** One alert: a summary line that opens to what happened, how large, what the system did and what to do. */
export function alertCard(alert: AlertRecord, open = false): HTMLElement {
  const measures = alert.measures ?? [];
  const actions = alert.userActions ?? [];
  return h(
    'details',
    { class: `alert-card severity-${alert.severity}`, open, 'data-alert-kind': alert.kind },
    h(
      'summary',
      null,
      severityBadge(alert.severity),
      h('span', { class: 'alert-title' }, alert.title),
      h('time', { datetime: alert.raisedAt }, formatDateTime(alert.raisedAt)),
    ),
    h('p', null, alert.whatHappened),
    measures.length
      ? table({
          caption: 'How large',
          columns: ['Measure', { label: 'Value', numeric: true }, { label: 'Threshold', numeric: true }],
          rows: measures.map((m) => [
            m.label,
            measureValue(m),
            m.threshold === null ? '—' : `${m.breachWhen ?? ''} ${formatNumber(m.threshold, 3)}`.trim(),
          ]),
        })
      : null,
    h('p', null, h('strong', null, 'What the system did: '), alert.systemAction),
    actions.length
      ? h(
          'div',
          null,
          h('p', null, h('strong', null, 'What you can do:')),
          h(
            'ul',
            { class: 'actions' },
            actions.map((a) =>
              h(
                'li',
                null,
                a.description,
                a.command ? [' — run ', command(a.command)] : null,
                a.dashboardPath ? [' — ', h('a', { href: alertHref(a.dashboardPath) }, 'open')] : null,
              ),
            ),
          ),
        )
      : null,
    h(
      'p',
      { class: 'muted' },
      `Subject ${alert.subject} · since ${formatDateTime(alert.since)}`,
      alert.notified === undefined ? null : ` · ${alert.notified ? 'e-mailed' : 'not e-mailed'}`,
      alert.delivery ? ` (${alert.delivery})` : null,
    ),
  );
}

/** A version picker over the registered models; the production and candidate versions are marked. */
export function versionPicker(
  models: ModelsResponse,
  version: string,
  onChange: (v: string) => void,
): HTMLElement {
  return selectField({
    id: 'model-version',
    label: 'Model version',
    value: version,
    choices: models.versions.map((v) => ({
      value: v.version,
      label: `${v.version} (${v.version === models.production ? 'production' : v.version === models.candidate ? 'candidate' : v.stage})`,
    })),
    onChange,
  });
}

/** A link to a model's chain page. */
export function versionLink(version: string): HTMLElement {
  return h('a', { href: href('models', { version }) }, version);
}

/** "label: value" inline pairs separated by middots. */
export function inlineFacts(items: [string, Child][]): HTMLElement {
  return h(
    'p',
    { class: 'inline-facts' },
    items.map(([label, value], i) => [i ? ' · ' : null, h('span', { class: 'muted' }, `${label}: `), value]),
  );
}

/** Said when a link named a model version the registry does not have (the page shows `shown`). */
export function unknownVersionNotice(wanted: string | undefined, shown: string): HTMLElement | null {
  if (wanted === undefined || wanted === shown) return null;
  return notice(
    'warning',
    'No such model version',
    `The registry has no model version "${wanted}": this page shows ${shown} instead. Pick a version above.`,
  );
}

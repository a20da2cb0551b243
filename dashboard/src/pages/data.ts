/** Data quality & EDA: the score of each layer with its components, scores over time, dropped rows per reason. */
import { historyEmptyState } from '../lib/empty.ts';
import { formatAgo, formatCount, formatDateTime, formatPercent } from '../lib/format.ts';
import { LAYER_COLORS } from '../lib/palette.ts';
import {
  alignSeries,
  droppedByReason,
  latestQualityByLayer,
  newestFirst,
  onePerRunAttempt,
  qualityScoreSeries,
  reasonLabel,
} from '../lib/shape.ts';
import type { Layer, QualityRecord } from '../lib/types.ts';
import { LAYERS } from '../lib/types.ts';
import { lineChart } from '../ui/charts.ts';
import { badge, command, h, meter, notice, pageHeading, section, table } from '../ui/dom.ts';
import type { Page, PageContext } from './context.ts';

const COMPONENTS = ['completeness', 'validity', 'uniqueness', 'timeliness'] as const;

function layerCard(
  layer: Layer,
  record: QualityRecord | undefined,
  now: number,
  highlighted: boolean,
): HTMLElement {
  return h(
    'article',
    { class: `layer-card${highlighted ? ' highlighted' : ''}`, 'aria-labelledby': `layer-${layer}` },
    h('h3', { id: `layer-${layer}` }, layer[0]!.toUpperCase() + layer.slice(1)),
    record === undefined
      ? h('p', { class: 'muted' }, 'Not measured yet.')
      : h(
          'div',
          null,
          h(
            'p',
            { class: 'layer-score' },
            h('span', { class: 'big' }, `${record.score.toFixed(1)}\u00a0%`),
            ' ',
            badge(
              record.passed ? `passed (gate ${record.gate} %)` : `below the ${record.gate} % gate`,
              record.passed ? 'ok' : 'bad',
            ),
          ),
          table({
            caption: `${layer} quality components`,
            captionHidden: true,
            rowHeader: true,
            columns: ['Component', { label: 'Share', numeric: true }, ''],
            rows: COMPONENTS.map((c) => [c, formatPercent(record[c]), meter(record[c])]),
          }),
          h(
            'p',
            { class: 'muted' },
            `${formatCount(record.rows)} rows · ${record.file} · run ${record.runId} · ${formatAgo(record.at, now)}`,
          ),
        ),
  );
}

function drops(records: QualityRecord[]): HTMLElement {
  const bronze = newestFirst(records.filter((r) => r.layer === 'bronze' && r.dropped !== undefined));
  const latest = bronze[0];
  const total = droppedByReason(bronze);
  const latestByReason = latest ? droppedByReason([latest]) : [];
  const max = Math.max(1, ...total.map((t) => t.rows));
  return section(
    'drops',
    'Rows dropped in bronze, by reason',
    bronze.length === 0
      ? h('p', { class: 'muted' }, 'No bronze validation has been recorded yet.')
      : table({
          caption: `Dropped rows per rule: the newest file (${latest!.file}) and all ${bronze.length} bronze file(s) listed`,
          rowHeader: true,
          columns: [
            'Reason',
            { label: 'Newest file', numeric: true },
            { label: 'All listed files', numeric: true },
            '',
          ],
          rows: total.map((t) => [
            reasonLabel(t.reason),
            formatCount(latestByReason.find((l) => l.reason === t.reason)?.rows ?? 0),
            formatCount(t.rows),
            meter(t.rows / max),
          ]),
        }),
  );
}

/** The newest gold run's symbol warnings, as the CLI prints them with "!"; null when it had none. */
function warnings(records: QualityRecord[]): HTMLElement | null {
  const gold = newestFirst(records.filter((r) => r.layer === 'gold'))[0];
  if (gold?.warnings === undefined || gold.warnings.length === 0) return null;
  const count = gold.warningCount ?? gold.warnings.length;
  return section(
    'warnings',
    'Warnings of the newest gold run',
    h(
      'p',
      null,
      `The run ${gold.runId} (${gold.file}) passed its gates, but ${formatCount(count)} symbol warning(s) say its regimes may not mean what they seem:`,
    ),
    h(
      'ul',
      { class: 'warnings' },
      gold.warnings.map((w) => h('li', null, w)),
    ),
    count > gold.warnings.length
      ? h(
          'p',
          { class: 'muted' },
          `… and ${formatCount(count - gold.warnings.length)} more: the run's metadata.json in the gold bucket lists every one.`,
        )
      : null,
  );
}

function history(records: QualityRecord[], layer: Layer | undefined): HTMLElement {
  const rows = newestFirst(records.filter((r) => layer === undefined || r.layer === layer)).slice(0, 100);
  return section(
    'history',
    layer ? `Quality checks of the ${layer} layer` : 'Quality checks',
    table({
      caption: 'Quality checks, newest first',
      columns: [
        'When',
        'Layer',
        'File',
        'Run',
        { label: 'Rows', numeric: true },
        { label: 'Score', numeric: true },
        { label: 'Gate', numeric: true },
        'Result',
      ],
      rows: rows.map((r) => [
        formatDateTime(r.at),
        r.layer,
        r.file,
        h('code', null, r.runId),
        formatCount(r.rows),
        r.scored === false ? 'n/a' : `${r.score.toFixed(1)} %`,
        `${r.gate} %`,
        r.scored === false
          ? badge('no gold rows yet', 'info')
          : badge(r.passed ? 'passed' : 'failed', r.passed ? 'ok' : 'bad'),
      ]),
    }),
  );
}

function scoresChart(records: QualityRecord[]): HTMLElement | null {
  const series = qualityScoreSeries(records);
  const present = LAYERS.filter((l) => series[l].x.length > 0);
  if (present.reduce((n, l) => n + series[l].x.length, 0) < 2) return null;
  const aligned = alignSeries(present.map((l) => series[l]).map((s) => ({ x: s.x, y: s.score })));
  return section(
    'scores',
    'Scores over time',
    lineChart({
      title: 'Quality score per layer over time',
      description: 'The quality score (percent) of each layer at each pipeline run.',
      x: aligned.x,
      time: true,
      series: present.map((l, i) => ({
        label: l,
        values: aligned.ys[i]!,
        color: LAYER_COLORS[l],
        format: (v) => `${v.toFixed(1)} %`,
      })),
      yRange: [0, 100],
      height: 220,
      spanGaps: true,
      yFormat: (v) => `${v.toFixed(0)} %`,
    }),
  );
}

export const dataPage: Page = async (ctx: PageContext) => {
  const quality = await ctx.api.quality(200);
  const records = onePerRunAttempt(quality.items);
  const heading = pageHeading(
    'Data quality',
    'How clean each layer of the lake is, and what the pipeline dropped',
  );
  const empty = historyEmptyState('quality', records.length);
  const layer = (LAYERS as readonly string[]).includes(ctx.route.params.layer ?? '')
    ? (ctx.route.params.layer as Layer)
    : undefined;
  const latest = latestQualityByLayer(records);
  const eda = section(
    'eda',
    'Exploratory analysis',
    h(
      'p',
      null,
      'Full per-layer profiles — missing patterns, outliers, correlations, histograms, seasonality, stationarity (ADF) and model-input checks — are produced by the command line on any layer:',
    ),
    h('p', null, command('npx finml eda <layer folder or file>')),
  );
  if (empty) return h('div', null, heading, notice('empty', 'No quality record yet', empty.message), eda);
  return h(
    'div',
    null,
    heading,
    section(
      'layers',
      'Latest score per layer',
      h(
        'p',
        null,
        'Each score is the mean of four shares — completeness, validity, uniqueness and timeliness — as a percentage; a layer below its gate stops the run and quarantines the file.',
      ),
      h(
        'div',
        { class: 'layer-cards' },
        LAYERS.map((l) => layerCard(l, latest[l], ctx.now, l === layer)),
      ),
    ),
    warnings(records),
    scoresChart(records),
    drops(records),
    history(records, layer),
    eda,
  );
};

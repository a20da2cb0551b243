/**
 * Charts with uPlot (small, fast canvas time-series charts). Each chart sits in a <figure> with a
 * caption and an accessible name; every page also shows the same numbers in a table, since a
 * canvas is not readable by assistive technology.
 *
 * Lifecycle: a chart's uPlot instance is kept against its holder element, so the shell can destroy
 * the charts inside content it removes (their listeners and canvases) and resize those on screen.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { regimeBandColor, withAlpha } from '../lib/palette.ts';
import { atLeastAnHour, dayAroundOneInstant, type RegimeRun } from '../lib/shape.ts';
import { h } from './dom.ts';

const instances = new WeakMap<Element, uPlot>();
let contentWidth = 1000;

/** Destroys the charts inside a node that is leaving the page (or never reached it). */
export function destroyChartsIn(root: ParentNode): void {
  for (const el of root.querySelectorAll('.chart')) {
    instances.get(el)?.destroy();
    instances.delete(el);
  }
}

/** The width charts may use (the main column); resizes the charts inside `root`. */
export function setContentWidth(width: number, root?: ParentNode): void {
  contentWidth = Math.max(320, Math.floor(width));
  if (root === undefined) return;
  for (const el of root.querySelectorAll('.chart')) {
    const u = instances.get(el);
    if (u) u.setSize({ width: chartWidth(el), height: u.height });
  }
}

/** Main's padding (2 × 24 px) and a panel's border and padding (2 × 21 px); the gap between halves. */
const INSET = 90;
const GAP = 16;

function chartWidth(container: Element | null): number {
  const full = contentWidth - INSET;
  const half = container instanceof HTMLElement && container.dataset.half === '1';
  return Math.max(280, half ? Math.floor((full - GAP) / 2) : full);
}

export interface LineSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Draw points only (no line). */
  pointsOnly?: boolean;
  dash?: number[];
  width?: number;
  format?: (value: number) => string;
}

export interface HLine {
  value: number;
  label: string;
  color: string;
}

export interface ChartOptions {
  title: string;
  /** A sentence for screen readers: what the chart shows. */
  description: string;
  x: number[];
  /** x is epoch seconds (UTC dates) when true. */
  time: boolean;
  series: LineSeries[];
  height?: number;
  yLabel?: string;
  xLabel?: string;
  yRange?: [number, number];
  xRange?: [number, number];
  logY?: boolean;
  hLines?: HLine[];
  /** Regime bands behind the series (timeline). */
  bands?: { runs: RegimeRun[]; states: number };
  /** Cursor sync group (charts of one page that share the x axis). */
  sync?: string;
  /** Drag-to-select on x: called with the selected x range (the chart does not zoom itself). */
  onSelectX?: (min: number, max: number) => void;
  xFormat?: (value: number) => string;
  yFormat?: (value: number) => string;
  /** Half the content width (two charts side by side). */
  half?: boolean;
  /** x values are whole numbers (folds): ticks at integers only. */
  xIntegers?: boolean;
  /** Join points across missing values (series sampled at different times). */
  spanGaps?: boolean;
}

function bandsPlugin(runs: RegimeRun[], states: number, x: number[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        ctx.save();
        for (const run of runs) {
          const x0 = u.valToPos(x[run.start]!, 'x', true);
          const next = x[run.end + 1];
          const x1 = u.valToPos(next ?? x[run.end]!, 'x', true);
          ctx.fillStyle = withAlpha(regimeBandColor(run.state, states), 0.28);
          ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
        }
        ctx.restore();
      },
    },
  };
}

function hLinesPlugin(lines: HLine[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const { ctx } = u;
        const { left, width } = u.bbox;
        ctx.save();
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5 * uPlot.pxRatio;
        ctx.font = `${12 * uPlot.pxRatio}px system-ui, sans-serif`;
        ctx.textAlign = 'right';
        for (const line of lines) {
          const y = u.valToPos(line.value, 'y', true);
          if (!Number.isFinite(y)) continue;
          ctx.strokeStyle = line.color;
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
          ctx.fillStyle = line.color;
          ctx.fillText(line.label, left + width - 6 * uPlot.pxRatio, y - 4 * uPlot.pxRatio);
        }
        ctx.restore();
      },
    },
  };
}

/** Readable ticks of a log axis: 1, 1.5, 2, 3, 5 and 7 times the powers of ten within [min, max]. */
function logSplits(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return [min, max];
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++) {
    for (const m of [1, 1.5, 2, 3, 5, 7]) {
      const v = m * 10 ** p;
      if (v >= min && v <= max) out.push(v);
    }
  }
  return out;
}

const utcDay = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** A line (or point) chart inside a captioned figure. */
export function lineChart(options: ChartOptions): HTMLElement {
  const holder = h('div', { class: 'chart', 'data-half': options.half ? '1' : null });
  const figure = h(
    'figure',
    {
      class: options.half ? 'chart-figure half' : 'chart-figure',
      role: 'group',
      'aria-label': options.title,
    },
    h(
      'figcaption',
      null,
      h('span', { class: 'chart-title' }, options.title),
      h('span', { class: 'visually-hidden' }, options.description),
    ),
    holder,
  );
  const plugins: uPlot.Plugin[] = [];
  if (options.bands) plugins.push(bandsPlugin(options.bands.runs, options.bands.states, options.x));
  if (options.hLines?.length) plugins.push(hLinesPlugin(options.hLines));
  const xFormat = options.xFormat ?? (options.time ? utcDay : (v: number) => String(v));
  const yFormat = options.yFormat ?? ((v: number) => v.toFixed(3));
  const hooks: uPlot.Hooks.Arrays = {};
  if (options.onSelectX) {
    const onSelectX = options.onSelectX;
    hooks.setSelect = [
      (u) => {
        if (u.select.width < 3) return;
        const min = u.posToVal(u.select.left, 'x');
        const max = u.posToVal(u.select.left + u.select.width, 'x');
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        onSelectX(min, max);
      },
    ];
  }
  const opts: uPlot.Options = {
    width: chartWidth(holder),
    height: options.height ?? 260,
    plugins,
    hooks,
    ...(options.time ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
    cursor: {
      ...(options.sync ? { sync: { key: options.sync } } : {}),
      drag: { x: options.onSelectX !== undefined, y: false, setScale: false },
    },
    scales: {
      x: {
        time: options.time,
        ...(options.xRange
          ? { range: options.xRange }
          : options.time && dayAroundOneInstant(options.x)
            ? { range: dayAroundOneInstant(options.x)! }
            : options.time
              ? {
                  range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => atLeastAnHour(min, max),
                }
              : {}),
      },
      y: {
        ...(options.logY
          ? {
              distr: 3 as const,
              range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [min * 0.95, max * 1.05],
            }
          : {}),
        ...(options.yRange ? { range: options.yRange } : {}),
      },
    },
    axes: [
      {
        ...(options.xLabel ? { label: options.xLabel } : {}),
        ...(options.time
          ? {}
          : { values: (_u: uPlot, splits: number[]) => splits.map((v) => (v == null ? '' : xFormat(v))) }),
        ...(options.xIntegers ? { incrs: [1, 2, 5, 10, 20, 50] } : {}),
      },
      {
        ...(options.yLabel ? { label: options.yLabel } : {}),
        size: 60,
        ...(options.logY
          ? { splits: (_u: uPlot, _axis: number, min: number, max: number) => logSplits(min, max) }
          : {}),
        values: (_u: uPlot, splits: number[]) => splits.map((v) => (v == null ? '' : yFormat(v))),
      },
    ],
    series: [
      {
        label: options.time ? 'Date' : (options.xLabel ?? 'x'),
        value: (_u, v) => (v == null ? '—' : xFormat(v)),
      },
      ...options.series.map(
        (s): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          width: s.pointsOnly ? 0 : (s.width ?? 1.5),
          ...(s.dash ? { dash: s.dash } : {}),
          points: s.pointsOnly ? { show: true, size: 8, fill: s.color } : { show: options.x.length <= 30 },
          spanGaps: options.spanGaps ?? false,
          value: (_u, v) => (v == null ? '—' : (s.format ?? yFormat)(v)),
        }),
      ),
    ],
  };
  const data = [options.x, ...options.series.map((s) => s.values)] as uPlot.AlignedData;
  instances.set(holder, new uPlot(opts, data, holder));
  return figure;
}

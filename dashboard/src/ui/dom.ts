/**
 * A few DOM helpers so pages read as markup: `h('p', { class: 'x' }, 'text')`. Text is always set
 * as text (never parsed as HTML), so values from the API cannot inject markup.
 */
import { describeError } from '../lib/api.ts';

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(
    typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
  );
}

/** Creates an element with attributes (on* functions become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const c of children) append(el, c);
  return el;
}

/** A page section with a heading and an anchor id (`section-<id>`). */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'panel', id: `section-${id}`, 'aria-labelledby': `heading-${id}` },
    h('h2', { id: `heading-${id}` }, title),
    ...children,
  );
}

/** The page heading (focused after navigation so keyboard and screen-reader users land on it). */
export function pageHeading(title: string, subtitle?: Child): HTMLElement {
  return h(
    'header',
    { class: 'page-header' },
    h('h1', { tabindex: -1 }, title),
    subtitle ? h('p', { class: 'subtitle' }, subtitle) : null,
  );
}

export interface Column {
  label: string;
  /** Right-aligned numbers. */
  numeric?: boolean;
  /** Column header text for screen readers when the label is abbreviated. */
  title?: string;
}

/** An accessible table: a caption, column headers and (optionally) a row header in the first cell. */
export function table(options: {
  caption: string;
  columns: (string | Column)[];
  rows: Child[][];
  rowHeader?: boolean;
  captionHidden?: boolean;
  className?: string;
}): HTMLElement {
  const columns = options.columns.map((c) => (typeof c === 'string' ? { label: c } : c));
  const head = h(
    'tr',
    null,
    columns.map((c) =>
      h('th', { scope: 'col', class: c.numeric ? 'num' : null, title: c.title ?? null }, c.label),
    ),
  );
  const body = options.rows.map((cells) =>
    h(
      'tr',
      null,
      cells.map((cell, i) => {
        const numeric = columns[i]?.numeric ? 'num' : null;
        return i === 0 && options.rowHeader
          ? h('th', { scope: 'row', class: numeric }, cell)
          : h('td', { class: numeric }, cell);
      }),
    ),
  );
  return h(
    'div',
    { class: `table-wrap ${options.className ?? ''}`.trim() },
    h(
      'table',
      null,
      h('caption', { class: options.captionHidden ? 'visually-hidden' : null }, options.caption),
      h('thead', null, head),
      h('tbody', null, body),
    ),
  );
}

/** A notice: an honest empty state, a warning or an information box. */
export function notice(
  kind: 'empty' | 'warning' | 'info' | 'error',
  title: string,
  ...body: Child[]
): HTMLElement {
  return h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', { class: 'notice-title' }, title),
    ...body.map((b) => (typeof b === 'string' ? h('p', null, b) : b)),
  );
}

/** An API failure explained, with a Retry button. */
export function errorBox(error: unknown, retry?: () => void): HTMLElement {
  const { title, detail, hint } = describeError(error);
  return notice(
    'error',
    title,
    detail,
    hint,
    retry ? h('button', { type: 'button', class: 'button', onclick: () => retry() }, 'Retry') : null,
  );
}

/** The loading placeholder. */
export function loading(what = 'Loading…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, what);
}

/** A small coloured label (severity, stage, verdict). */
export function badge(text: string, variant: string): HTMLElement {
  return h('span', { class: `badge badge-${variant.replace(/[^a-z0-9-]/gi, '').toLowerCase()}` }, text);
}

/** A definition list of label → value pairs. */
export function facts(pairs: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    pairs.map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))),
  );
}

/** A labelled <select>. */
export function selectField(options: {
  id: string;
  label: string;
  value: string | null;
  choices: { value: string; label: string }[];
  onChange: (value: string) => void;
}): HTMLElement {
  const select = h(
    'select',
    { id: options.id, name: options.id },
    options.choices.map((c) => h('option', { value: c.value, selected: c.value === options.value }, c.label)),
  );
  select.addEventListener('change', () => options.onChange(select.value));
  return h('div', { class: 'field' }, h('label', { for: options.id }, options.label), select);
}

/** A command the reader can copy. */
export function command(text: string): HTMLElement {
  return h('code', { class: 'command' }, text);
}

/** A horizontal bar (0..1) with an optional interval whisker, for tables. */
export function meter(
  value: number,
  interval?: { lower: number; upper: number },
  label?: string,
): HTMLElement {
  const pct = (x: number) => `${(Math.min(1, Math.max(0, x)) * 100).toFixed(2)}%`;
  return h(
    'span',
    { class: 'meter', 'aria-hidden': 'true', title: label ?? null },
    h('span', { class: 'meter-fill', style: `width:${pct(value)}` }),
    interval && Number.isFinite(interval.lower) && Number.isFinite(interval.upper)
      ? h('span', {
          class: 'meter-interval',
          style: `left:${pct(interval.lower)};width:calc(${pct(interval.upper)} - ${pct(interval.lower)})`,
        })
      : null,
  );
}

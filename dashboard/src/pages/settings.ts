/** Settings: the API URL and key (saved in this browser), auto-refresh, the thresholds in force and the versions. */
import { configRoot, configVersions, flattenConfig } from '../lib/config-view.ts';
import { formatDateTime } from '../lib/format.ts';
import { isValidApiUrl, REFRESH_CHOICES, refreshLabel } from '../lib/settings.ts';
import type { ConfigResponse } from '../lib/types.ts';
import { errorBox, facts, h, notice, pageHeading, section, selectField, table } from '../ui/dom.ts';
import type { Page, PageContext } from './context.ts';

const SOURCE_TEXT = {
  settings: 'saved in this browser',
  server: 'provided by the server (config.js, and the local key by /config.json)',
  default: 'default',
} as const;

function connectionForm(ctx: PageContext): HTMLElement {
  const s = ctx.settings;
  const url = h('input', {
    type: 'url',
    id: 'api-url',
    name: 'apiUrl',
    value: s.apiUrl,
    required: true,
    autocomplete: 'url',
    spellcheck: 'false',
  });
  const key = h('input', {
    type: 'password',
    id: 'api-key',
    name: 'apiKey',
    value: s.apiKey,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const show = h('input', { type: 'checkbox', id: 'api-key-show' });
  show.addEventListener('change', () => {
    key.type = show.checked ? 'text' : 'password';
  });
  const refresh = selectField({
    id: 'settings-refresh',
    label: 'Auto-refresh',
    value: String(s.refreshSeconds),
    choices: REFRESH_CHOICES.map((c) => ({ value: String(c), label: refreshLabel(c) })),
    onChange: () => {},
  });
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'settings-form', 'aria-label': 'API connection' },
    h(
      'div',
      { class: 'field wide' },
      h('label', { for: 'api-url' }, 'API URL'),
      url,
      h(
        'p',
        { class: 'hint' },
        `Now: ${SOURCE_TEXT[s.sources.apiUrl]}. The local runtime serves the API under /api of this site.`,
      ),
    ),
    h(
      'div',
      { class: 'field wide' },
      h('label', { for: 'api-key' }, 'API key'),
      key,
      h('div', { class: 'field checkbox' }, show, h('label', { for: 'api-key-show' }, 'Show key')),
      h(
        'p',
        { class: 'hint' },
        `Now: ${s.apiKey ? SOURCE_TEXT[s.sources.apiKey] : 'none'}. Sent as the x-api-key header; kept only in this browser.`,
      ),
    ),
    refresh,
    h(
      'div',
      { class: 'button-row' },
      h('button', { type: 'submit', class: 'button' }, 'Save'),
      h(
        'button',
        {
          type: 'button',
          class: 'button secondary',
          onclick: () => {
            ctx.resetSettings();
          },
        },
        'Forget saved settings',
      ),
    ),
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!isValidApiUrl(url.value)) {
      result.replaceChildren(
        notice(
          'error',
          'Not a URL',
          'Enter an absolute http:// or https:// URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
        ),
      );
      url.focus();
      return;
    }
    const select = refresh.querySelector('select')!;
    ctx.saveSettings({ apiUrl: url.value, apiKey: key.value, refreshSeconds: Number(select.value) });
  });
  return section('connection', 'API connection', form);
}

function thresholds(config: ConfigResponse): HTMLElement {
  const root = configRoot(config) ?? {};
  const groups = Object.entries(root).filter(
    ([k, v]) => k !== 'versions' && typeof v === 'object' && v !== null,
  );
  return section(
    'thresholds',
    'Thresholds in force',
    h(
      'p',
      null,
      'The validated configuration the API runs with (config/*.yaml). Change it there and redeploy; the README explains each value.',
    ),
    groups.length === 0
      ? h('p', { class: 'muted' }, 'The API returned no configuration.')
      : groups.map(([name, value]) =>
          h(
            'details',
            { class: 'config-group', open: name === 'monitoring' },
            h('summary', null, name),
            table({
              caption: `${name} settings`,
              captionHidden: true,
              columns: ['Setting', 'Value'],
              rows: flattenConfig(value).map((row) => [h('code', null, row.path), row.value]),
            }),
          ),
        ),
  );
}

function versions(config: ConfigResponse): HTMLElement {
  const rows = configVersions(config);
  return section(
    'versions',
    'Versions',
    rows.length === 0
      ? h('p', { class: 'muted' }, 'The API reported no versions.')
      : facts(
          rows.map(([k, v]) => [k, /^\d{4}-\d{2}-\d{2}T/.test(v) ? formatDateTime(v) : h('code', null, v)]),
        ),
  );
}

export const settingsPage: Page = async (ctx) => {
  const heading = pageHeading(
    'Settings',
    'Where the dashboard finds the API, and the thresholds the system runs with',
  );
  const connection = connectionForm(ctx);
  let config: ConfigResponse | null = null;
  let failure: unknown = null;
  try {
    config = await ctx.api.config();
  } catch (error) {
    failure = error;
  }
  return h(
    'div',
    null,
    heading,
    connection,
    config === null
      ? section(
          'thresholds',
          'Thresholds in force',
          errorBox(failure, () => ctx.navigate(ctx.route, { replace: true })),
        )
      : [thresholds(config), versions(config)],
  );
};

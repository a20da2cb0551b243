import { describe, expect, test } from 'vitest';
import {
  isValidApiUrl,
  normaliseApiUrl,
  parseStoredSettings,
  refreshLabel,
  resolveSettings,
  serialiseSettings,
} from '../../../dashboard/src/lib/settings.ts';

const ORIGIN = 'http://localhost:3000';

describe('where the dashboard finds the API', () => {
  test('with nothing saved or injected it calls this site’s /api without a key', () => {
    expect(resolveSettings({}, null, ORIGIN)).toEqual({
      apiUrl: 'http://localhost:3000/api',
      apiKey: '',
      refreshSeconds: 0,
      sources: { apiUrl: 'default', apiKey: 'default' },
    });
  });

  test('the server’s config.js supplies the URL and key when nothing is saved', () => {
    const s = resolveSettings({}, { apiUrl: 'https://api.example.test/prod/', apiKey: 'k-1' }, ORIGIN);
    expect(s).toMatchObject({
      apiUrl: 'https://api.example.test/prod',
      apiKey: 'k-1',
      sources: { apiUrl: 'server', apiKey: 'server' },
    });
  });

  test('values saved in Settings win over the injected ones, each on its own', () => {
    const s = resolveSettings(
      { apiKey: 'mine' },
      { apiUrl: 'https://api.example.test', apiKey: 'theirs' },
      ORIGIN,
    );
    expect(s).toMatchObject({
      apiUrl: 'https://api.example.test',
      apiKey: 'mine',
      sources: { apiUrl: 'server', apiKey: 'settings' },
    });
  });

  test('an injected URL that is not http(s) is ignored', () => {
    expect(resolveSettings({}, { apiUrl: 'javascript:alert(1)' }, ORIGIN).apiUrl).toBe(
      'http://localhost:3000/api',
    );
  });
});

describe('saved settings', () => {
  test('round-trip through serialise and parse', () => {
    const saved = { apiUrl: 'https://x.test/api', apiKey: 'abc', refreshSeconds: 60 };
    expect(parseStoredSettings(serialiseSettings(saved))).toEqual(saved);
  });

  test('damaged or foreign storage is treated as nothing saved', () => {
    expect(parseStoredSettings(null)).toEqual({});
    expect(parseStoredSettings('{not json')).toEqual({});
    expect(parseStoredSettings('{"apiUrl":"ftp://x","apiKey":"  ","refreshSeconds":7}')).toEqual({});
  });

  test('blank fields are not saved, so they fall back to the server or default', () => {
    expect(JSON.parse(serialiseSettings({ apiUrl: '', apiKey: '   ', refreshSeconds: 30 }))).toEqual({
      refreshSeconds: 30,
    });
  });

  test('URLs are validated and trailing slashes removed', () => {
    expect(isValidApiUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod')).toBe(true);
    expect(isValidApiUrl('/api')).toBe(false);
    expect(normaliseApiUrl(' https://x.test/api/// ')).toBe('https://x.test/api');
  });

  test('refresh choices are labelled', () => {
    expect([0, 30, 60, 300].map(refreshLabel)).toEqual(['Off', '30\u00a0s', '1\u00a0min', '5\u00a0min']);
  });
});

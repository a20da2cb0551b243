import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  alertHref,
  formatHash,
  href,
  isIsoDay,
  PAGES,
  parseHash,
  parsePath,
  routeFromLocationPath,
  timelineParams,
  timelineState,
  withParams,
} from '../../../dashboard/src/lib/route.ts';

describe('URL state', () => {
  test('a route survives formatHash → parseHash for any page and parameters', () => {
    const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__');
    const value = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.constantFrom(...PAGES), fc.dictionary(key, value), (page, params) => {
        const route = { page, params };
        expect(parseHash(formatHash(route))).toEqual(route);
      }),
    );
  });

  test('the hash is canonical: parameters sorted, empty ones dropped', () => {
    expect(
      formatHash({
        page: 'timeline',
        params: { to: '2009-12-31', symbol: 'SPX', from: '2008-01-01', x: '' },
      }),
    ).toBe('#/timeline?from=2008-01-01&symbol=SPX&to=2009-12-31');
  });

  test('Home is the empty hash and "#/"', () => {
    expect(parseHash('')).toEqual({ page: 'home', params: {} });
    expect(parseHash('#/')).toEqual({ page: 'home', params: {} });
    expect(formatHash({ page: 'home', params: {} })).toBe('#/');
  });

  test('symbols with reserved characters are encoded and decoded', () => {
    const link = href('timeline', { symbol: 'BRK.B&X=1 ü' });
    expect(parseHash(link).params.symbol).toBe('BRK.B&X=1 ü');
  });

  test('a "__proto__" parameter is ignored rather than changing the object', () => {
    const route = parseHash('#/drift?__proto__=x&symbol=SPX');
    expect(route.params).toEqual({ symbol: 'SPX' });
    expect(Object.getPrototypeOf(route.params)).toBe(Object.prototype);
  });

  test('an unknown page is "not found", naming the path', () => {
    expect(parseHash('#/nowhere?x=1')).toEqual({ page: 'not-found', params: { path: '/nowhere' } });
  });

  test('withParams changes, adds and removes parameters without touching the rest', () => {
    const route = { page: 'drift' as const, params: { symbol: 'SPX', severity: 'high' } };
    expect(withParams(route, { severity: null, feature: 'drawdown' })).toEqual({
      page: 'drift',
      params: { symbol: 'SPX', feature: 'drawdown' },
    });
    expect(route.params).toEqual({ symbol: 'SPX', severity: 'high' });
  });
});

describe('alert links', () => {
  test.each([
    ['/drift?symbol=SPX&feature=realized_vol_21d', '#/drift?feature=realized_vol_21d&symbol=SPX'],
    ['/models?version=20261126T122000-1a2b3c4d', '#/models?version=20261126T122000-1a2b3c4d'],
    ['/model?version=v1&view=transitions', '#/models?version=v1&view=transitions'],
    ['/ab-tests?candidate=v2', '#/ab-tests?candidate=v2'],
    ['/monitoring?view=accuracy&version=v1', '#/monitoring?version=v1&view=accuracy'],
    ['/data?view=quality&layer=silver', '#/data?layer=silver&view=quality'],
    ['/forecasts?symbol=SPX', '#/timeline?symbol=SPX'],
    ['/pipeline?execution=arn%3Aaws%3Astates', '#/data?execution=arn%3Aaws%3Astates'],
  ])('the dashboardPath %s opens %s', (path, hash) => {
    expect(alertHref(path)).toBe(hash);
  });

  test('an e-mailed path link becomes the same route; the site root and files do not', () => {
    expect(routeFromLocationPath('/drift', '?symbol=SPX')).toEqual({
      page: 'drift',
      params: { symbol: 'SPX' },
    });
    expect(routeFromLocationPath('/dashboard/ab-tests/', '?candidate=v2')).toEqual({
      page: 'ab-tests',
      params: { candidate: 'v2' },
    });
    expect(routeFromLocationPath('/', '')).toBeUndefined();
    expect(routeFromLocationPath('/index.html', '')).toBeUndefined();
    expect(routeFromLocationPath('/unknown-thing', '')).toBeUndefined();
  });

  test('parsePath tolerates a path without a query', () => {
    expect(parsePath('/glossary')).toEqual({ page: 'glossary', params: {} });
  });
});

describe('timeline state', () => {
  test('symbol, range and log scale round-trip through the parameters', () => {
    const state = { symbol: 'SPX', from: '2008-01-01', to: '2009-12-31', log: true };
    expect(timelineState(timelineParams(state))).toEqual(state);
  });

  test('invalid dates are ignored and a reversed range is swapped', () => {
    expect(timelineState({ from: '2020-02-30', to: 'yesterday' })).toEqual({
      symbol: null,
      from: null,
      to: null,
      log: false,
    });
    expect(timelineState({ from: '2020-12-31', to: '2020-01-01' })).toMatchObject({
      from: '2020-01-01',
      to: '2020-12-31',
    });
  });

  test('isIsoDay accepts real calendar days only', () => {
    expect(isIsoDay('2020-02-29')).toBe(true);
    expect(isIsoDay('2019-02-29')).toBe(false);
    expect(isIsoDay('2020-2-9')).toBe(false);
    expect(isIsoDay(undefined)).toBe(false);
  });
});

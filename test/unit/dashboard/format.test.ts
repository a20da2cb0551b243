import { describe, expect, test } from 'vitest';
import {
  formatAgo,
  formatCount,
  formatDateTime,
  formatDays,
  formatInterval,
  formatNumber,
  formatPercent,
  formatProbabilityWithInterval,
  formatPValue,
  formatSigned,
  metricLabel,
  NBSP,
  toNumber,
} from '../../../dashboard/src/lib/format.ts';

describe('numbers from JSON', () => {
  test('"Infinity" strings become infinite numbers; null and NaN become null', () => {
    expect(toNumber('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(toNumber('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(toNumber(null)).toBeNull();
    expect(toNumber(Number.NaN)).toBeNull();
    expect(toNumber(undefined)).toBeNull();
    expect(toNumber(0)).toBe(0);
  });

  test('infinite values print as ∞ and missing ones as an em dash, never as 0', () => {
    expect(formatNumber('Infinity')).toBe('∞');
    expect(formatNumber(null)).toBe('—');
    expect(formatDays('Infinity')).toBe(`∞${NBSP}(never)`);
    expect(formatDays(null)).toBe('—');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('percentages and intervals', () => {
  test('a probability prints as a percentage with one decimal', () => {
    expect(formatPercent(0.1234)).toBe(`12.3${NBSP}%`);
    expect(formatPercent(1)).toBe(`100.0${NBSP}%`);
    expect(formatPercent(0.5, 0)).toBe(`50${NBSP}%`);
  });

  test('an interval prints its bounds, and nothing when a bound is unknown', () => {
    expect(formatInterval(0.091, 0.152)).toBe(`[9.1${NBSP}%, 15.2${NBSP}%]`);
    expect(formatInterval(null, 0.152)).toBe('');
    expect(formatInterval(2.5, 'Infinity', (x) => formatNumber(x, 1))).toBe('[2.5, ∞]');
  });

  test('a probability with its credible interval, or alone when the interval is unknown', () => {
    expect(formatProbabilityWithInterval({ probability: 0.123, lower: 0.09, upper: 0.15 })).toBe(
      `12.3${NBSP}% [9.0${NBSP}%, 15.0${NBSP}%]`,
    );
    expect(formatProbabilityWithInterval({ probability: 0.123, lower: null, upper: null })).toBe(
      `12.3${NBSP}%`,
    );
  });
});

describe('other quantities', () => {
  test('p-values print three decimals, two significant digits when small, and floor at 0.0001', () => {
    expect(formatPValue(0.04567)).toBe('0.046');
    expect(formatPValue(0.5)).toBe('0.500');
    expect(formatPValue(0.0012345)).toBe('0.0012');
    expect(formatPValue(1e-12)).toBe(`<${NBSP}0.0001`);
    expect(formatPValue(null)).toBe('—');
  });

  test('days are singular for one day', () => {
    expect(formatDays(1)).toBe(`1.0${NBSP}day`);
    expect(formatDays(12.34)).toBe(`12.3${NBSP}days`);
  });

  test('signed differences use a real minus sign and no sign for zero', () => {
    expect(formatSigned(-0.0123)).toBe('−0.012');
    expect(formatSigned(0.0123)).toBe('+0.012');
    expect(formatSigned(0.0001)).toBe('0.000');
    expect(formatSigned(null)).toBe('—');
  });

  test('counts have thousands separators', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(undefined)).toBe('—');
  });

  test('instants print in UTC whatever the viewer’s time zone', () => {
    expect(formatDateTime('2026-11-26T12:20:30.123+02:00')).toBe(`2026-11-26${NBSP}10:20${NBSP}UTC`);
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatDateTime(null)).toBe('—');
  });

  test('"ago" is coarse and relative to the given now', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(formatAgo('2026-11-26T11:59:30Z', now)).toBe('just now');
    expect(formatAgo('2026-11-26T11:55:00Z', now)).toBe(`5${NBSP}min ago`);
    expect(formatAgo('2026-11-26T09:00:00Z', now)).toBe(`3${NBSP}h ago`);
    expect(formatAgo('2026-11-20T12:00:00Z', now)).toBe(`6${NBSP}days ago`);
    expect(formatAgo('2026-11-27T12:00:00Z', now)).toBe('in the future');
  });

  test('metric names read as words', () => {
    expect(metricLabel('logLoss')).toBe('log loss');
    expect(metricLabel('rocAuc')).toBe('ROC AUC');
    expect(metricLabel('someNewMetric')).toBe('some new metric');
  });
});

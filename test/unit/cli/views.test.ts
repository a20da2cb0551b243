/** The number formats of the CLI's text views. */
import { expect, test } from 'vitest';
import { f } from '../../../bin/views/model-report.ts';

test('the model report prints NaN (e.g. the skew of a constant series) as n/a, not as −∞', () => {
  expect(f(Number.NaN)).toBe('n/a');
  expect(f(Number.POSITIVE_INFINITY)).toBe('∞');
  expect(f(Number.NEGATIVE_INFINITY)).toBe('−∞');
  expect(f(-0.12345, 2)).toBe('-0.12');
});

import { expect, test } from 'vitest';
import { terminalSafe } from '../../../infra/local/runtime.ts';

test('a key with ESC sequences or other control characters is printed escaped, the rest as it is', () => {
  // The walk: an upload named "\x1b[2J\x1b[31mred.csv" cleared the terminal of npm start and turned it red.
  expect(terminalSafe('▶ 1a2b  market_data/\u001b[2J\u001b[31mred.csv')).toBe(
    '▶ 1a2b  market_data/\\u001b[2J\\u001b[31mred.csv',
  );
  expect(terminalSafe('a\u0000b\u007fc\u009bd\ne')).toBe('a\\u0000b\\u007fc\\u009bd\\u000ae');
  expect(terminalSafe('tab\tünï é ✓ ↻ market_data/my prices.csv')).toBe(
    'tab\tünï é ✓ ↻ market_data/my prices.csv',
  );
});

// Reading how long a throttled provider asks us to wait: both headers, both forms of Retry-After, and the
// bounds that keep a garbled or extreme value from spinning or parking a key.
import assert from 'node:assert/strict';
import {
  defaultRetryAfterMs,
  maxRetryAfterMs,
  minRetryAfterMs,
  retryAfterMs,
} from '../../../controllers/provider/retry-after.ts';

describe('unit: provider Retry-After', () => {
  const now = Date.UTC(2025, 0, 15, 12, 0, 0);
  const cases: [string, Record<string, string>, number][] = [
    ['retry-after-ms, precise', { 'retry-after-ms': '1500' }, 1500],
    ['retry-after-ms wins over Retry-After', { 'retry-after-ms': '250', 'retry-after': '7' }, 250],
    ['Retry-After in seconds', { 'retry-after': '3' }, 3000],
    ['Retry-After in fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['Retry-After as an HTTP date', { 'retry-after': 'Wed, 15 Jan 2025 12:00:12 GMT' }, 12_000],
    [
      'a garbled retry-after-ms falls back to Retry-After',
      { 'retry-after-ms': 'soon', 'retry-after': '2' },
      2000,
    ],
    ['no header', {}, defaultRetryAfterMs],
    ['a garbled Retry-After', { 'retry-after': 'later please' }, defaultRetryAfterMs],
    ['a negative Retry-After', { 'retry-after': '-5' }, defaultRetryAfterMs],
    ['digits that Date.parse would read as a date', { 'retry-after': '1 2' }, defaultRetryAfterMs],
    ['zero waits the floor', { 'retry-after': '0' }, minRetryAfterMs],
    [
      'a date already past waits the floor',
      { 'retry-after': 'Wed, 15 Jan 2025 11:59:00 GMT' },
      minRetryAfterMs,
    ],
    ['a day is capped', { 'retry-after': '86400' }, maxRetryAfterMs],
    ['a far date is capped', { 'retry-after': 'Thu, 16 Jan 2025 12:00:00 GMT' }, maxRetryAfterMs],
  ];
  for (const [what, headers, expected] of cases)
    it(`${what}: ${expected} ms`, () => assert.equal(retryAfterMs(new Headers(headers), now), expected));
});

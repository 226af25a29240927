import { describe, expect, it } from 'vitest';

import { formatDuration } from '../../scripts/lib/progress-bar.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [9_400, '9s'],
    [59_600, '1m00s'],
    [245_000, '4m05s'],
    [3_720_000, '1h02m'],
  ])('formats %i ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

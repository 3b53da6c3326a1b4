import { afterEach, expect, test } from 'vitest';
import { formatDay } from './dates.ts';

const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

test('an instant is written as the day it falls on where the reader is', () => {
  const evening = '2026-12-25T03:00:00Z'; // December 24, 7 pm in California
  expect(formatDay(evening, 'en-US', 'UTC')).toBe('December 25, 2026');
  expect(formatDay(evening, 'en-US', 'America/Los_Angeles')).toBe('December 24, 2026');
  expect(formatDay(new Date(evening), 'en-US', 'Asia/Tokyo')).toBe('December 25, 2026');
});

test('by default, in the browser’s own time zone', () => {
  process.env.TZ = 'America/Los_Angeles';
  expect(formatDay('2026-12-25T03:00:00Z')).toBe('December 24, 2026');
  process.env.TZ = 'UTC';
  expect(formatDay('2026-12-25T03:00:00Z')).toBe('December 25, 2026');
});

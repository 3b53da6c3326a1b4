// The benchmark's statistics (scripts/lib/bench-util.ts): the p99 target of `npm run bench:webhook`
// is judged with these, so they are tested like product code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedPercentileRatio, percentile, seededRandom, summarize } from '../../scripts/lib/bench-util.ts';

/** n slices of m latencies: a calm 3-5 ms, with `stalled` slices where everything took 40-60 ms. */
function slices(random: () => number, n: number, m: number, stalled: number[] = [], scale = 1): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: m }, () => scale * (stalled.includes(i) ? 40 + 20 * random() : 3 + 2 * random())));
}

test('percentile is the nearest rank, as summarize reports it', () => {
  const random = seededRandom(7);
  const xs = Array.from({ length: 1234 }, () => random() * 100);
  const s = summarize(xs);
  assert.equal(Math.round(percentile(xs, 99) * 1000) / 1000, s.p99_ms);
  assert.equal(Math.round(percentile(xs, 50) * 1000) / 1000, s.p50_ms);
  assert.equal(percentile([5, 1, 3], 0), 1);
  assert.equal(percentile([5, 1, 3], 100), 5);
});

test('a side twice as slow in every slice: ratio 2, and every resample says so', () => {
  const b = slices(seededRandom(1), 40, 50);
  const a = b.map((slice) => slice.map((x) => 2 * x));
  const r = pairedPercentileRatio(a, b, 99);
  assert.equal(r.ratio, 2);
  assert.equal(r.low, 2);
  assert.equal(r.high, 2);
});

test('the same service, one side hit by a few stalled slices: its point ratio is far above 1, yet the interval reaches below it', () => {
  const random = seededRandom(3);
  const b = slices(random, 40, 50);
  const a = slices(random, 40, 50, [5, 21]);
  const r = pairedPercentileRatio(a, b, 99);
  assert.ok(r.ratio > 5, `stalls decide the pooled p99: ${r.ratio}`);
  assert.ok(r.low < 1.5, `resamples without the stalled slices: ${r.low}`);
  assert.ok(r.low <= r.ratio && r.ratio <= r.high);
});

test('equal sides: an interval around 1; the same data gives the same interval', () => {
  const random = seededRandom(5);
  const a = slices(random, 60, 100);
  const b = slices(random, 60, 100);
  const r = pairedPercentileRatio(a, b, 99);
  assert.ok(r.low < 1 && r.high > 1, JSON.stringify(r));
  assert.ok(r.high / r.low < 1.2, `calm slices, a narrow interval: ${JSON.stringify(r)}`);
  assert.deepEqual(pairedPercentileRatio(a, b, 99), r);
  assert.throws(() => pairedPercentileRatio(a, b.slice(1), 99), /same number/);
});

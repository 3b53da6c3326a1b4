// Delivery orders for property tests: every permutation of a short event list (or a seeded random
// sample of a long one), each with random duplicates inserted, as stores deliver: late, twice,
// in any order. Seeded, so a failure names the order that broke and can be replayed.

/** A small seeded PRNG (mulberry32): the same seed gives the same orders. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function* permutations(items: number[]): Generator<number[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i], ...tail];
  }
}

function shuffled(items: number[], random: () => number): number[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Orders of n events: all n! permutations when n <= exhaustiveUpTo, otherwise `sample` random
 * ones; each gets between 0 and n extra deliveries of random events at random places.
 */
export function deliveryOrders(n: number, options: { seed: number; exhaustiveUpTo?: number; sample?: number }): number[][] {
  const random = seededRandom(options.seed);
  const indices = [...Array(n).keys()];
  const bases = n <= (options.exhaustiveUpTo ?? 5)
    ? [...permutations(indices)]
    : Array.from({ length: options.sample ?? 40 }, () => shuffled(indices, random));
  return bases.map((order) => {
    const out = [...order];
    const duplicates = Math.floor(random() * (n + 1));
    for (let d = 0; d < duplicates; d++) out.splice(Math.floor(random() * (out.length + 1)), 0, Math.floor(random() * n));
    return out;
  });
}

/** Runs tasks with at most `limit` in flight. */
export async function inBatches<T>(items: T[], limit: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await run(items[i], i);
    }
  }));
}

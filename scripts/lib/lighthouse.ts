// Lighthouse (the npm package, in-process) against Debian's Chromium: performance, accessibility and
// best-practices scores of one page. It connects to a browser the caller started with
// --remote-debugging-port, so the page can be audited signed in (the session is in that browser's
// storage: `disableStorageReset`) and with the caller's network fakes in place.
import lighthouse from 'lighthouse';

export const LIGHTHOUSE_CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
export type LighthouseScores = Record<(typeof LIGHTHOUSE_CATEGORIES)[number], number>;

export interface LighthouseRun {
  scores: LighthouseScores;
  /** Failing audits of the accessibility and best-practices categories, to act on. */
  failing: { category: string; id: string; title: string }[];
  metrics: { fcp_ms: number; lcp_ms: number; tbt_ms: number; cls: number };
}

export async function runLighthouse(url: string, port: number, formFactor: 'mobile' | 'desktop' = 'mobile'): Promise<LighthouseRun> {
  const desktop = formFactor === 'desktop';
  const result = await lighthouse(url, {
    port,
    logLevel: 'error',
    output: 'json',
    onlyCategories: [...LIGHTHOUSE_CATEGORIES],
    disableStorageReset: true,
    formFactor,
    screenEmulation: desktop
      ? { mobile: false, width: 1350, height: 940, deviceScaleFactor: 1, disabled: false }
      : { mobile: true, width: 412, height: 823, deviceScaleFactor: 1.75, disabled: false },
    ...(desktop ? { throttling: { rttMs: 40, throughputKbps: 10_240, cpuSlowdownMultiplier: 1, requestLatencyMs: 0, downloadThroughputKbps: 0, uploadThroughputKbps: 0 } } : {}),
  });
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const { categories, audits } = result.lhr;
  const score = (id: string) => Math.round((categories[id]?.score ?? 0) * 100);
  const failing = ['accessibility', 'best-practices'].flatMap((category) => categories[category].auditRefs
    .filter((ref) => ref.weight > 0 && audits[ref.id].score !== null && audits[ref.id].score! < 1)
    .map((ref) => ({ category, id: ref.id, title: audits[ref.id].title })));
  const metric = (id: string) => Math.round(audits[id]?.numericValue ?? Number.NaN);
  return {
    scores: { performance: score('performance'), accessibility: score('accessibility'), 'best-practices': score('best-practices') },
    failing,
    metrics: { fcp_ms: metric('first-contentful-paint'), lcp_ms: metric('largest-contentful-paint'), tbt_ms: metric('total-blocking-time'), cls: Math.round((audits['cumulative-layout-shift']?.numericValue ?? 0) * 1000) / 1000 },
  };
}

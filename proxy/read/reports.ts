// Runs the readers over a log file: the shared core of summarize, verify-routing, demo and pilot.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Pricing } from '../common/cost.js';
import { join } from 'node:path';
import { readLog, type ReadOptions } from './log-reader.js';
import { Summarizer, type Metrics } from './summarize.js';
import { RoutingVerifier, type Expectation, type LaneHosts, type Verdict } from './verify.js';
import { ReportCollector } from './html-report.js';

export const DEFAULT_EXPECT = 'haiku=zai,sonnet=anthropic';

export async function summarizeLog(path: string, opts: ReadOptions & { pricing?: Pricing } = {}): Promise<Metrics> {
  const s = new Summarizer(opts.pricing);
  const stats = await readLog(path, (e) => s.add(e), opts);
  return s.result(stats, opts.since);
}

export function writeMetrics(resultsDir: string, m: Metrics): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'METRICS.json');
  writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
  return file;
}

/** One pass for the visual report: the summary, the verdict and the distributions together. */
export async function reportData(path: string, expect: Expectation[], opts: ReadOptions & { hosts?: LaneHosts; pricing?: Pricing } = {}) {
  const s = new Summarizer(opts.pricing);
  const v = new RoutingVerifier(expect, undefined, opts.hosts);
  const c = new ReportCollector();
  const stats = await readLog(path, (e) => {
    s.add(e);
    v.add(e);
    c.add(e);
  }, opts);
  return { metrics: s.result(stats, opts.since), verdict: v.result(), collector: c };
}

export async function verifyLog(path: string, expect: Expectation[], opts: ReadOptions & { graceS?: number; now?: number; hosts?: LaneHosts } = {}): Promise<Verdict> {
  const v = new RoutingVerifier(expect, opts.graceS, opts.hosts);
  await readLog(path, (e) => v.add(e), opts);
  return v.result(opts.now);
}

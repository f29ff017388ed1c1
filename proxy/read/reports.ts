// Runs the readers over a log file: the shared core of summarize, verify-routing, demo and pilot.
import { writeFileSync } from 'node:fs';
import type { Pricing } from '../common/cost.js';
import { join } from 'node:path';
import { readLog, type ReadOptions } from './log-reader.js';
import { Summarizer, type Metrics } from './summarize.js';
import { RoutingVerifier, type Expectation, type HostJudging, type LaneHosts, type Verdict } from './verify.js';
import { ReportCollector } from './html-report.js';
import { ensureDir } from '../common/dirs.js';

export const DEFAULT_EXPECT = 'haiku=zai,sonnet=anthropic';

export async function summarizeLog(path: string, opts: ReadOptions & { pricing?: Pricing } = {}): Promise<Metrics> {
  const s = new Summarizer(opts.pricing);
  const stats = await readLog(path, (e) => s.add(e), opts);
  return s.result(stats, opts.since);
}

export function writeMetrics(resultsDir: string, m: Metrics): string {
  ensureDir(resultsDir);
  const file = join(resultsDir, 'METRICS.json');
  writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
  return file;
}

/** One pass for the visual report: the summary, the verdict and the distributions together. */
export async function reportData(
  path: string,
  expect: Expectation[],
  opts: ReadOptions & { hosts?: LaneHosts; judging?: HostJudging; pricing?: Pricing } = {},
) {
  const s = new Summarizer(opts.pricing);
  const v = new RoutingVerifier(expect, undefined, opts.hosts, opts.judging);
  const c = new ReportCollector();
  const stats = await readLog(
    path,
    (e) => {
      s.add(e);
      v.add(e);
      c.add(e);
    },
    { ...opts, onRun: (r) => v.run(r) },
  );
  return { metrics: s.result(stats, opts.since), verdict: { ...v.result(), malformed: stats.malformed }, collector: c };
}

/** The verdict over a log; each request's hosts are judged by the run line before it, else by `hosts`. */
export async function verifyLog(
  path: string,
  expect: Expectation[],
  opts: ReadOptions & { graceS?: number; now?: number; hosts?: LaneHosts; judging?: HostJudging } = {},
): Promise<Verdict> {
  const v = new RoutingVerifier(expect, opts.graceS, opts.hosts, opts.judging);
  const stats = await readLog(path, (e) => v.add(e), { ...opts, onRun: (r) => v.run(r) });
  return { ...v.result(opts.now), malformed: stats.malformed };
}

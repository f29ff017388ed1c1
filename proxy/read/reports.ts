// Runs the readers over a log file: the shared core of summarize, verify-routing, report, demo and pilot.
// The reading itself is parallel-read.ts's: every core on a large log, one pass on a small one.
import { writeFileSync } from 'node:fs';
import type { Pricing } from '../common/cost.js';
import { join } from 'node:path';
import type { ParallelReadOptions } from './parallel-read.js';
import type { Metrics } from './summarize.js';
import type { Expectation, HostJudging, LaneHosts, Verdict } from './verify.js';
import type { ReportCollector } from './html-report.js';
import { ensureDir } from '../common/dirs.js';

export const DEFAULT_EXPECT = 'haiku=zai,sonnet=anthropic';

type Opts = ParallelReadOptions;

// Imported when first used, not at load: in a bundle that makes parallel-read a file of its own, which
// the worker threads start from without the task's own code.
const parallel = () => import('./parallel-read.js');

export async function summarizeLog(path: string, opts: Opts & { pricing?: Pricing } = {}): Promise<Metrics> {
  const { readTallies, portablePricing } = await parallel();
  const { pricing, ...read } = opts;
  const { tallies, stats } = await readTallies(path, { summarize: { pricing: portablePricing(pricing) } }, read);
  return tallies.summarizer!.result(stats, opts.since);
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
  opts: Opts & { hosts?: LaneHosts; judging?: HostJudging; pricing?: Pricing } = {},
): Promise<{ metrics: Metrics; verdict: Verdict; collector: ReportCollector }> {
  const { readTallies, portablePricing } = await parallel();
  const { pricing, hosts, judging, ...read } = opts;
  const { tallies, stats } = await readTallies(
    path,
    {
      summarize: { pricing: portablePricing(pricing) },
      verify: { expect, ...(hosts ? { hosts } : {}), ...(judging ? { judging } : {}) },
      collect: true,
    },
    read,
  );
  return {
    metrics: tallies.summarizer!.result(stats, opts.since),
    verdict: { ...tallies.verifier!.result(), malformed: stats.malformed },
    collector: tallies.collector!,
  };
}

/** The verdict over a log; each request's hosts are judged by the run line before it, else by `hosts`. */
export async function verifyLog(
  path: string,
  expect: Expectation[],
  opts: Opts & { graceS?: number; now?: number; hosts?: LaneHosts; judging?: HostJudging } = {},
): Promise<Verdict> {
  const { readTallies } = await parallel();
  const { graceS, now, hosts, judging, ...read } = opts;
  const { tallies, stats } = await readTallies(
    path,
    {
      verify: {
        expect,
        ...(graceS !== undefined ? { graceS } : {}),
        ...(hosts ? { hosts } : {}),
        ...(judging ? { judging } : {}),
      },
    },
    read,
  );
  return { ...tallies.verifier!.result(now), malformed: stats.malformed };
}

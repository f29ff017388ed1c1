// The readers on every core: the log is cut into parts at line boundaries, each part is read and tallied
// by a worker thread (JSON.parse of its lines is most of a reader's time), and the tallies are added up
// in log order (each tally's absorb()). A part starts from the run line in force where it begins, so
// verify judges every line by the same settings as a single pass would. This module is also the
// workers' entry: the same file, started as a worker, serves one part.
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { logFiles } from '../common/logs-layout.js';
import { PriceBook, type PriceEntry, type Pricing, type ZaiBilling } from '../common/prices.js';
import type { RunRecord } from '../common/log-schema.js';
import {
  type ByteRange,
  type LogEntry,
  type ReadOptions,
  type ReadStats,
  emptyStats,
  readLog,
  readRange,
  runLineBefore,
} from './log-reader.js';
import { ReportCollector } from './html-report.js';
import { Summarizer } from './summarize.js';
import { type Expectation, type HostJudging, type LaneHosts, RoutingVerifier } from './verify.js';

/** Which tallies a read feeds, and what they are built with (all of it can cross to a worker thread). */
export interface TallySpec {
  summarize?: { pricing?: { entries: PriceEntry[]; origin: string; zaiBilling: ZaiBilling } };
  verify?: { expect: Expectation[]; graceS?: number; hosts?: LaneHosts; judging?: HostJudging };
  collect?: boolean;
}

export interface Tallies {
  summarizer?: Summarizer;
  verifier?: RoutingVerifier;
  collector?: ReportCollector;
}

/** Pricing as it can cross to a worker: the book's entries, rebuilt there into the same book. */
export function portablePricing(p: Pricing | undefined): NonNullable<TallySpec['summarize']>['pricing'] {
  return p ? { entries: p.book.entries(), origin: p.book.origin, zaiBilling: p.zaiBilling } : undefined;
}

function makeTallies(spec: TallySpec): Tallies {
  const pricing = spec.summarize?.pricing;
  return {
    ...(spec.summarize
      ? {
          summarizer: new Summarizer(
            pricing
              ? { book: new PriceBook(pricing.entries, pricing.origin), zaiBilling: pricing.zaiBilling }
              : undefined,
          ),
        }
      : {}),
    ...(spec.verify
      ? {
          verifier: new RoutingVerifier(spec.verify.expect, spec.verify.graceS, spec.verify.hosts, spec.verify.judging),
        }
      : {}),
    ...(spec.collect ? { collector: new ReportCollector() } : {}),
  };
}

function feed(t: Tallies): { onEntry: (e: LogEntry) => void; onRun: (r: RunRecord) => void } {
  const { summarizer: s, verifier: v, collector: c } = t;
  return {
    onEntry: (e) => {
      s?.add(e);
      v?.add(e);
      c?.add(e);
    },
    onRun: (r) => v?.run(r),
  };
}

/** What a read is given: the reader's options, and how many threads (CCP_READ_THREADS; 0 or absent: see readThreads()). */
export type ParallelReadOptions = Omit<ReadOptions, 'onRun'> & { threads?: number };

/** Below this many bytes a log is read on this thread: starting workers costs more than it saves. */
const MIN_PARALLEL_BYTES = 16 << 20;

interface Part {
  file: string;
  fileIndex: number;
  range: ByteRange;
}

/** Cuts the files into about `n` parts of similar size, each starting at a line. */
async function cut(files: string[], n: number): Promise<Part[]> {
  const sizes = files.map((f) => statSync(f).size);
  const target = Math.max(1, Math.ceil(sizes.reduce((a, b) => a + b, 0) / n));
  const parts: Part[] = [];
  for (const [fileIndex, file] of files.entries()) {
    const size = sizes[fileIndex]!;
    const fh = await open(file, 'r');
    try {
      let from = 0;
      const probe = Buffer.allocUnsafe(64 << 10);
      while (from < size) {
        let to = Math.min(size, from + target);
        // Move the cut to just after the next newline.
        while (to < size) {
          const { bytesRead } = await fh.read(probe, 0, probe.length, to);
          const nl = probe.subarray(0, bytesRead).indexOf(10);
          if (nl !== -1) {
            to += nl + 1;
            break;
          }
          to += bytesRead;
          if (bytesRead === 0) to = size;
        }
        parts.push({ file, fileIndex, range: { from, to: Math.min(to, size) } });
        from = to;
      }
    } finally {
      await fh.close();
    }
  }
  return parts;
}

interface PartResult {
  tallies: Tallies;
  stats: ReadStats;
}

/** One part, on whichever thread calls it: the run line in force where it starts, then its lines. */
async function readPart(files: string[], part: Part, spec: TallySpec, opts: ReadOptions): Promise<PartResult> {
  const tallies = makeTallies(spec);
  const { onEntry, onRun } = feed(tallies);
  if (part.range.from > 0 || part.fileIndex > 0) {
    let run = await runLineBefore(part.file, part.range.from);
    for (let i = part.fileIndex - 1; !run && i >= 0; i--)
      run = await runLineBefore(files[i]!, statSync(files[i]!).size);
    if (run) tallies.verifier?.run(run);
  }
  const stats = emptyStats(files);
  await readRange(part.file, part.range, onEntry, stats, { ...opts, onRun });
  return { tallies, stats };
}

/** A small young generation: each parsed line is garbage at once, and the peak RSS of two workers on a
 * million lines drops from ~165 to ~140 MB at the same speed (measured). */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

interface WorkerTask {
  ccpReadPart: true;
  files: string[];
  part: Part;
  spec: TallySpec;
  opts: Omit<ReadOptions, 'onRun'>;
}

function runInWorker(task: WorkerTask): Promise<PartResult> {
  return new Promise((resolve, reject) => {
    // This very module is the worker's entry: in a bundle its own chunk; run from source (tests, under
    // tsx) its .ts file, which the worker loads through tsx's loader as the main thread does.
    // (A worker does not inherit tsx's hooks, and --import in its execArgv comes too late for its entry.)
    const self = import.meta.url;
    const w = self.endsWith('.ts')
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(self)}); })`,
          { eval: true, workerData: task, resourceLimits: WORKER_LIMITS },
        )
      : new Worker(new URL(self), { workerData: task, resourceLimits: WORKER_LIMITS });
    w.once('message', (m: PartResult | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`reader worker exited with ${code}`)));
  });
}

/** How many threads read a log of `bytes`: `asked` (CCP_READ_THREADS) when set, else one below MIN_PARALLEL_BYTES, else one per core (at most 8). */
export function readThreads(bytes: number, asked = 0, cores = availableParallelism()): number {
  if (asked > 0) return asked;
  return bytes < MIN_PARALLEL_BYTES ? 1 : Math.min(8, cores);
}

/**
 * Reads the log at `path` into the tallies `spec` names, on `readThreads()` threads. The result is the
 * same as one pass in order (test/parallel-read.test.ts compares them line set by line set).
 */
export async function readTallies(
  path: string,
  spec: TallySpec,
  options: ParallelReadOptions = {},
): Promise<{ tallies: Tallies; stats: ReadStats }> {
  const { threads: asked, ...opts } = options;
  const files = logFiles(path, opts.includeRotated ?? true);
  const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
  const threads = readThreads(bytes, asked);
  if (threads <= 1) {
    const tallies = makeTallies(spec);
    const { onEntry, onRun } = feed(tallies);
    return { tallies, stats: await readLog(path, onEntry, { ...opts, onRun }) };
  }
  const parts = await cut(files, threads);
  // At most `threads` parts at once (rotated files make a part each).
  const results: PartResult[] = new Array(parts.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < parts.length; i = next++)
      results[i] = await runInWorker({ ccpReadPart: true, files, part: parts[i]!, spec, opts: { ...opts } });
  };
  await Promise.all(Array.from({ length: Math.min(threads, parts.length) }, lane));
  const tallies = makeTallies(spec);
  const stats = emptyStats(files);
  for (const r of results) {
    if (r.tallies.summarizer) tallies.summarizer?.absorb(r.tallies.summarizer);
    if (r.tallies.verifier) tallies.verifier?.absorb(r.tallies.verifier);
    if (r.tallies.collector) tallies.collector?.absorb(r.tallies.collector);
    for (const k of ['lines', 'malformed', 'ignored', 'outside', 'runs'] as const) stats[k] += r.stats[k];
  }
  return { tallies, stats };
}

/** A tally's data as it can cross threads: its fields, without the functions some of them hold. */
function dataOnly(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, dataOnly(x)]));
  if (v instanceof Set) return new Set(v);
  if (Array.isArray(v)) return v.map(dataOnly);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = dataOnly(x);
  return out;
}

if (!isMainThread && (workerData as WorkerTask | undefined)?.ccpReadPart) {
  const task = workerData as WorkerTask;
  readPart(task.files, task.part, task.spec, task.opts).then(
    (r) => parentPort!.postMessage(dataOnly(r)),
    (e: Error) => parentPort!.postMessage({ error: e.message }),
  );
}

// Streams usage.jsonl line by line (never the whole file), across rotated files, tolerating torn and
// malformed lines, and reading the original Python kit's lines too (DESIGN §4).
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { UsageRecord } from './usage-log.js';

/** A line as the readers see it, whichever kit wrote it. */
export type LogEntry = Partial<UsageRecord> & { kind: 'decision' | 'completion'; ts: number; rid?: string };

export interface ReadStats {
  files: string[];
  lines: number;
  malformed: number;
  /** Valid JSON that is not a usage record (e.g. the `{}` the old kit seeded logs with). */
  ignored: number;
  /** Lines outside the time window. */
  outside: number;
}

/** Normalise one parsed line; undefined when it is not a usage record. */
export function normalizeLine(raw: unknown): LogEntry | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.ts !== 'number') return undefined;
  const out = { ...r } as LogEntry & Record<string, unknown>;
  // The original kit wrote upstream "anth" and lane "anthropic"/"zai"; the Go shim used "" for no error.
  if (out.upstream === 'anth') out.upstream = 'api.anthropic.com';
  if ((out.err_type as unknown) === '' || out.err_type === null) delete out.err_type;
  if (typeof out.attempt !== 'number') out.attempt = 1;
  if (r.event === 'decision') return { ...out, kind: 'decision' };
  if (r.event === 'complete' || r.event === 'error') return { ...out, kind: 'completion' };
  // Original kit completion lines have no event but a numeric status (-1 marks its decision lines).
  if (r.event === undefined && typeof r.status === 'number') {
    return r.status === -1 ? { ...out, kind: 'decision' } : { ...out, kind: 'completion' };
  }
  return undefined;
}

/** usage.jsonl plus its rotated siblings (usage.jsonl.1 … N), oldest first. */
export function logFiles(path: string, includeRotated: boolean): string[] {
  if (!includeRotated) return existsSync(path) ? [path] : [];
  const dir = dirname(path);
  const base = basename(path);
  const rotated = existsSync(dir)
    ? readdirSync(dir)
        .map((f) => ({ f, n: f.startsWith(base + '.') ? Number(f.slice(base.length + 1)) : NaN }))
        .filter((x) => Number.isInteger(x.n) && x.n > 0)
        .sort((a, b) => b.n - a.n)
        .map((x) => join(dir, x.f))
    : [];
  return [...rotated, ...(existsSync(path) ? [path] : [])];
}

export interface ReadOptions {
  /** Epoch seconds; entries before it are skipped. */
  since?: number;
  includeRotated?: boolean;
}

/** Calls `onEntry` for every usage record in order; returns what was read and skipped. */
export async function readLog(path: string, onEntry: (e: LogEntry) => void, opts: ReadOptions = {}): Promise<ReadStats> {
  const stats: ReadStats = { files: logFiles(path, opts.includeRotated ?? true), lines: 0, malformed: 0, ignored: 0, outside: 0 };
  for (const file of stats.files) {
    const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of rl) {
      if (line.trim() === '') continue;
      stats.lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        stats.malformed++;
        continue;
      }
      const entry = normalizeLine(parsed);
      if (!entry) {
        stats.ignored++;
        continue;
      }
      if (opts.since !== undefined && entry.ts < opts.since) {
        stats.outside++;
        continue;
      }
      onEntry(entry);
    }
  }
  return stats;
}

/** `2h`, `30m`, `45s`, `1d` ago, or an ISO date; epoch seconds. */
export function parseSince(value: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(value.trim());
  if (m) {
    const mult = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
    return now / 1000 - Number(m[1]) * mult;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`--since: "${value}" is neither a duration (30m, 2h, 1d) nor an ISO date`);
  return t / 1000;
}

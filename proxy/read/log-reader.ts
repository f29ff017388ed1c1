// Streams usage.jsonl line by line (never the whole file), across rotated files, tolerating torn and
// malformed lines, and reading the original Python kit's lines too (docs/CONTRACT.md §5).
import { open } from 'node:fs/promises';
import type { RunRecord, UsageRecord } from '../common/log-schema.js';
import { logFiles } from '../common/logs-layout.js';

/** A line as the readers see it, whichever kit wrote it. */
export type LogEntry = Partial<UsageRecord> & { kind: 'decision' | 'completion'; ts: number; rid?: string };

export interface ReadStats {
  files: string[];
  lines: number;
  malformed: number;
  /** Valid JSON that is not a usage record (e.g. the `{}` the old kit seeded logs with). */
  ignored: number;
  /** Lines outside the time window (or of another session, with `session`). */
  outside: number;
  /** Run lines: what a proxy ran with, from its start on (passed to `onRun`, whatever the window). */
  runs: number;
}

/** A run line, or undefined when the parsed line is something else. */
export function asRunRecord(raw: unknown): RunRecord | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Partial<RunRecord>;
  return r.event === 'run' &&
    typeof r.ts === 'number' &&
    typeof r.zai_host === 'string' &&
    typeof r.anth_host === 'string'
    ? (r as RunRecord)
    : undefined;
}

/** Normalise one parsed line in place; undefined when it is not a usage record. */
export function normalizeLine(raw: unknown): LogEntry | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const out = raw as LogEntry & Record<string, unknown>;
  if (typeof out.ts !== 'number') return undefined;
  // The original kit wrote upstream "anth"; the Go shim used "" for no error.
  if (out.upstream === 'anth') out.upstream = 'api.anthropic.com';
  if ((out.err_type as unknown) === '' || out.err_type === null) delete out.err_type;
  if (typeof out.attempt !== 'number') out.attempt = 1;
  const event = out.event as unknown;
  if (event === 'decision') out.kind = 'decision';
  else if (event === 'complete' || event === 'error') out.kind = 'completion';
  // Original kit completion lines have no event but a numeric status (-1 marks its decision lines).
  else if (event === undefined && typeof out.status === 'number')
    out.kind = out.status === -1 ? 'decision' : 'completion';
  else return undefined;
  return out;
}

export interface ReadOptions {
  /** Epoch seconds; entries before it are skipped. */
  since?: number;
  includeRotated?: boolean;
  /** Read size; the buffer grows when one line is longer. */
  chunkBytes?: number;
  /** Only the lines of this Claude Code session (`session`, from x-claude-code-session-id). */
  session?: string;
  /** Called for every run line, in order, inside the window or not: the settings of the lines after it. */
  onRun?: (r: RunRecord) => void;
}

const DEFAULT_CHUNK = 4 << 20;

/** How this kit's writer starts every decision line (fields are always written in the same order). */
const DECISION_PREFIX = Buffer.from('{"v":1,"event":"decision","ts":');
const RID_AFTER_TS = Buffer.from(',"rid":"');
const ATTEMPT_AFTER_RID = Buffer.from('","attempt":');

/** End of the number written at buf[from…] (digits, dot, sign, exponent). */
function numberEnd(buf: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = buf[i]!;
    if ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69) i++;
    else break;
  }
  return i;
}

/** A byte loop: for these short prefixes it beats Buffer.compare, whose native call and offset checks cost more per line. */
function bytesAt(buf: Buffer, at: number, what: Buffer, end: number): boolean {
  const n = what.length;
  if (at + n > end) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== what[i]) return false;
  return true;
}

/**
 * Decision lines carry nothing the readers need beyond rid, attempt and time, and they are half of
 * every log: read those three straight from the bytes of this kit's fixed field order, without
 * decoding or JSON.parse. Any other shape (the original kit's lines, edits) goes to the parser.
 */
function fastDecision(buf: Buffer, start: number, end: number): LogEntry | undefined {
  if (buf[end - 1] !== 125 /* } */ || !bytesAt(buf, start, DECISION_PREFIX, end)) return undefined;
  const tsFrom = start + DECISION_PREFIX.length;
  const tsEnd = numberEnd(buf, tsFrom, end);
  if (tsEnd === tsFrom || !bytesAt(buf, tsEnd, RID_AFTER_TS, end)) return undefined;
  const ridFrom = tsEnd + RID_AFTER_TS.length;
  const ridEnd = buf.indexOf(34 /* " */, ridFrom);
  if (ridEnd === -1 || ridEnd >= end || !bytesAt(buf, ridEnd, ATTEMPT_AFTER_RID, end)) return undefined;
  const attemptFrom = ridEnd + ATTEMPT_AFTER_RID.length;
  const attemptEnd = numberEnd(buf, attemptFrom, end);
  const ts = Number(buf.toString('latin1', tsFrom, tsEnd));
  const attempt = Number(buf.toString('latin1', attemptFrom, attemptEnd));
  if (Number.isNaN(ts) || !Number.isInteger(attempt)) return undefined;
  return { kind: 'decision', ts, rid: buf.toString('latin1', ridFrom, ridEnd), attempt };
}

/**
 * Calls `handle(buf, start, end)` for every line of `file` (without its newline). One reused buffer,
 * filled by plain reads and split on newline bytes: a read stream allocates a buffer per chunk and needs
 * a copy to join each chunk to the line it cut, which cost more time and memory than the parsing on
 * million-line logs. `handle` must keep no reference into the buffer.
 */
async function forEachLine(
  file: string,
  chunkBytes: number,
  handle: (buf: Buffer, start: number, end: number) => void,
  range: ByteRange = { from: 0, to: Infinity },
): Promise<void> {
  let buf = Buffer.allocUnsafe(chunkBytes);
  let have = 0;
  let pos = range.from;
  const fh = await open(file, 'r');
  try {
    for (;;) {
      if (have === buf.length) {
        // One line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const want = Math.min(buf.length - have, range.to - pos);
      if (want <= 0) break;
      const { bytesRead } = await fh.read(buf, have, want, pos);
      pos += bytesRead;
      if (bytesRead === 0) break;
      const end = have + bytesRead;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl === -1 || nl >= end) break;
        handle(buf, start, nl);
        start = nl + 1;
      }
      // The unfinished line moves to the front.
      buf.copy(buf, 0, start, end);
      have = end - start;
    }
  } finally {
    await fh.close();
  }
  if (have > 0) handle(buf, 0, have);
}

/** Bytes [from, to) of a file; `from` is at the start of a line, `to` just after a newline or at the end. */
export interface ByteRange {
  from: number;
  to: number;
}

/**
 * How far into a part of a log a tally remembers completions whose decision it did not see: the part
 * before may hold that decision (parallel-read.ts pairs them when the parts' tallies are added up).
 */
export const ORPHAN_WINDOW_S = 3600;

export function emptyStats(files: string[]): ReadStats {
  return { files, lines: 0, malformed: 0, ignored: 0, outside: 0, runs: 0 };
}

/** The per-line work of every reader: fast decision lines, JSON.parse for the rest, run lines, the window. */
function lineHandler(
  stats: ReadStats,
  onEntry: (e: LogEntry) => void,
  opts: ReadOptions,
): (buf: Buffer, start: number, lineEnd: number) => void {
  return (buf: Buffer, start: number, lineEnd: number): void => {
    let end = lineEnd;
    if (end > start && buf[end - 1] === 13) end--; // \r
    while (start < end && (buf[start] === 32 || buf[start] === 9)) start++;
    if (start >= end) return;
    stats.lines++;
    // The fast path reads no labels: a session filter needs every line parsed.
    let entry = opts.session === undefined ? fastDecision(buf, start, end) : undefined;
    if (!entry) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8', start, end));
      } catch {
        stats.malformed++;
        return;
      }
      entry = normalizeLine(parsed);
      if (!entry) {
        const run = asRunRecord(parsed);
        if (run) {
          stats.runs++;
          opts.onRun?.(run);
        } else stats.ignored++;
        return;
      }
    }
    if (
      (opts.since !== undefined && entry.ts < opts.since) ||
      (opts.session !== undefined && entry.session !== opts.session)
    ) {
      stats.outside++;
      return;
    }
    onEntry(entry);
  };
}

/** Calls `onEntry` for every usage record of one part of one file, in order; adds to `stats`. */
export async function readRange(
  file: string,
  range: ByteRange,
  onEntry: (e: LogEntry) => void,
  stats: ReadStats,
  opts: ReadOptions = {},
): Promise<void> {
  await forEachLine(file, opts.chunkBytes ?? DEFAULT_CHUNK, lineHandler(stats, onEntry, opts), range);
}

/** Calls `onEntry` for every usage record in order; returns what was read and skipped. */
export async function readLog(
  path: string,
  onEntry: (e: LogEntry) => void,
  opts: ReadOptions = {},
): Promise<ReadStats> {
  const stats = emptyStats(logFiles(path, opts.includeRotated ?? true));
  const handle = lineHandler(stats, onEntry, opts);
  for (const file of stats.files)
    await forEachLine(file, opts.chunkBytes ?? DEFAULT_CHUNK, handle).catch((e: NodeJS.ErrnoException) => {
      // A read error (a directory given as the log, no permission) names the file it was about.
      e.path ??= file;
      throw e;
    });
  return stats;
}

const RUN_PREFIX = Buffer.from('{"v":1,"event":"run",');

/** The newest run line that starts before `offset` in `file` (searched backwards, chunk by chunk). */
export async function runLineBefore(
  file: string,
  offset: number,
  chunkBytes = DEFAULT_CHUNK,
): Promise<RunRecord | undefined> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes + RUN_PREFIX.length);
    let end = offset;
    while (end > 0) {
      const from = Math.max(0, end - chunkBytes);
      // The chunk plus the start of the next, so a prefix cut by the chunk's end is still found.
      const { bytesRead } = await fh.read(buf, 0, Math.min(end + RUN_PREFIX.length, offset) - from, from);
      let at = buf.subarray(0, bytesRead).lastIndexOf(RUN_PREFIX);
      while (at !== -1) {
        if (from + at < end && (from + at === 0 || buf[at - 1] === 10)) {
          const line = await readLineAt(fh, from + at);
          try {
            const run = asRunRecord(JSON.parse(line));
            if (run) return run;
          } catch {
            // a torn run line: an earlier one stands
          }
        }
        at = at === 0 ? -1 : buf.subarray(0, bytesRead).lastIndexOf(RUN_PREFIX, at - 1);
      }
      end = from;
    }
  } finally {
    await fh.close();
  }
  return undefined;
}

async function readLineAt(fh: import('node:fs/promises').FileHandle, at: number): Promise<string> {
  let size = 4096;
  for (;;) {
    const buf = Buffer.allocUnsafe(size);
    const { bytesRead } = await fh.read(buf, 0, size, at);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    if (nl !== -1 || bytesRead < size) return buf.toString('utf8', 0, nl === -1 ? bytesRead : nl);
    size *= 4;
  }
}

/**
 * The newest run line of a log (its current file first, then the rotated ones): what the proxy that
 * wrote it last ran with. Only run lines are decoded, so a 100 MB log costs one pass over its bytes.
 */
export async function lastRunRecord(path: string, chunkBytes = DEFAULT_CHUNK): Promise<RunRecord | undefined> {
  for (const file of logFiles(path, true).reverse()) {
    let last: RunRecord | undefined;
    await forEachLine(file, chunkBytes, (buf, start, end) => {
      if (!bytesAt(buf, start, RUN_PREFIX, end)) return;
      try {
        last = asRunRecord(JSON.parse(buf.toString('utf8', start, end))) ?? last;
      } catch {
        // a torn run line: the one before it stands
      }
    });
    if (last) return last;
  }
  return undefined;
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

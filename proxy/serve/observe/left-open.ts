// What a proxy that died left open: after a kill -9, a crash or a closed laptop lid, the requests it had in
// flight have a decision line and never a completion line, and verify-routing would fail on them for good.
// The next proxy closes them at start, before its own run line: one completion line each, saying that the
// proxy (its pid, from the run line above them) stopped under it. Reads only the log's tail: what was in
// flight when a proxy died is at the end of the file.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { UsageRecord } from '../../common/log-schema.js';

/** How much of the log's end is read for open requests (a few minutes of heavy traffic). */
export const TAIL_BYTES = 4 << 20;

/**
 * Pure: the completion lines that close the decisions of the last run that have none, when that run's
 * process is no longer alive. Lines that do not parse are skipped (a line cut by the crash among them).
 */
export function leftOpen(tail: string, nowMs: number, isAlive: (pid: number) => boolean): UsageRecord[] {
  const lines = tail.split('\n');
  let pid: number | undefined;
  const open = new Map<string, UsageRecord>();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let rec: (UsageRecord & { pid?: number }) | { event: 'run'; pid?: number };
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (rec.event === 'run') {
      // A new run: whatever the one before it left open is not this run's (an older proxy closed it, or not).
      if (typeof rec.pid === 'number' && rec.pid !== pid) open.clear();
      pid = rec.pid;
      continue;
    }
    const r = rec as UsageRecord;
    const key = `${r.rid}:${r.attempt}`;
    if (r.event === 'decision') open.set(key, r);
    else if (r.event === 'complete') open.delete(key);
  }
  if (pid === undefined || !open.size || isAlive(pid)) return [];
  return [...open.values()].map((d) => ({
    ...d,
    event: 'complete',
    ts: nowMs / 1000,
    err_type: 'proxy_died',
    error: `the proxy (pid ${pid}) stopped with this request in flight: closed at the next start`,
    final: true,
  }));
}

/** The log's last TAIL_BYTES, from the first whole line. */
export function readTail(path: string): string {
  if (!existsSync(path)) return '';
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

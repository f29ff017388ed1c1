// Child of the benchmark: one reader over one log file, then its time and this process's peak RSS. One
// process per run, so each peak is that reader's own. Readers: summarize, verify, report (the three
// passes of npm run report --html in one), and `json-parse`: the plain single-thread JSON.parse of every
// line that the readers are measured against. `report-heap` runs report with a full GC every so many
// lines and gives the live heap at each: flat when memory does not grow with the log.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readLog } from '../../read/log-reader.js';
import { DEFAULT_EXPECT, reportData, summarizeLog, verifyLog } from '../../read/reports.js';
import { Summarizer } from '../../read/summarize.js';
import { RoutingVerifier, parseExpect } from '../../read/verify.js';
import { ReportCollector } from '../../read/html-report.js';

type Reader = 'summarize' | 'verify' | 'report' | 'json-parse' | 'report-heap';
const [file, reader] = process.argv.slice(2) as [string, Reader];

/** Every line through JSON.parse, read in 4 MB chunks split on newline bytes; nothing else. */
function jsonParseAll(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  let have = 0;
  let lines = 0;
  for (;;) {
    const n = readSync(fd, buf, have, buf.length - have, null);
    if (n === 0) break;
    const end = have + n;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl === -1 || nl >= end) break;
      if (JSON.parse(buf.toString('utf8', start, nl))) lines++;
      start = nl + 1;
    }
    buf.copy(buf, 0, start, end);
    have = end - start;
  }
  closeSync(fd);
  return lines;
}

const t = performance.now();
const out: Record<string, unknown> = {};
const expect = parseExpect(DEFAULT_EXPECT);
if (reader === 'json-parse') out.lines = jsonParseAll(file);
else if (reader === 'verify')
  out.verify_exit = (await verifyLog(file, expect, { includeRotated: false, now: 1_795_000_000 + 1e6 })).exitCode;
else if (reader === 'report')
  out.requests = (await reportData(file, expect, { includeRotated: false })).metrics.totals.requests;
else if (reader === 'summarize') out.requests = (await summarizeLog(file, { includeRotated: false })).totals.requests;
else {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('report-heap needs node --expose-gc');
  const [s, v, c] = [new Summarizer(), new RoutingVerifier(expect), new ReportCollector()];
  const quarter = Number(process.argv[4] ?? 250_000);
  const heap: number[] = [];
  let n = 0;
  await readLog(
    file,
    (e) => {
      s.add(e);
      v.add(e);
      c.add(e);
      if (++n % quarter === 0) {
        gc();
        heap.push(Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10);
      }
    },
    { includeRotated: false, onRun: (r) => v.run(r) },
  );
  out.live_heap_mb = heap;
}
out.seconds = Math.round(((performance.now() - t) / 1000) * 100) / 100;
// VmHWM: this process's own peak. ru_maxrss (process.resourceUsage) survives exec on Linux, so a child
// of a large bench process would report the bench's size.
const hwm = (() => {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  } catch {
    return NaN;
  }
})();
out.max_rss_mb = Math.round((Number.isFinite(hwm) ? hwm : process.resourceUsage().maxRSS) / 1024);
console.log(JSON.stringify(out));

// Child of the benchmark: summarize and verify-routing over one log file, then the time and peak RSS.
import { DEFAULT_EXPECT, summarizeLog, verifyLog } from './reports.js';
import { parseExpect } from './verify.js';

const file = process.argv[2]!;
let t = performance.now();
const m = await summarizeLog(file, { includeRotated: false });
const summarizeS = (performance.now() - t) / 1000;
t = performance.now();
const v = await verifyLog(file, parseExpect(DEFAULT_EXPECT), { includeRotated: false, now: 1_795_000_000 + 1e6 });
const verifyS = (performance.now() - t) / 1000;
const r = (x: number) => Math.round(x * 100) / 100;
console.log(JSON.stringify({ summarize_s: r(summarizeS), verify_s: r(verifyS), max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), requests: m.totals.requests, verify_exit: v.exitCode }));

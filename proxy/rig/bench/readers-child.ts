// Child of the benchmark: summarize or verify-routing over one log file, then its time and this
// process's peak RSS. One process per reader, so each peak is that reader's own.
import { DEFAULT_EXPECT, summarizeLog, verifyLog } from '../../read/reports.js';
import { parseExpect } from '../../read/verify.js';

const [file, reader] = process.argv.slice(2) as [string, 'summarize' | 'verify'];
const t = performance.now();
let requests: number | undefined;
let verifyExit: number | undefined;
if (reader === 'verify') {
  verifyExit = (await verifyLog(file, parseExpect(DEFAULT_EXPECT), { includeRotated: false, now: 1_795_000_000 + 1e6 }))
    .exitCode;
} else {
  requests = (await summarizeLog(file, { includeRotated: false })).totals.requests;
}
const seconds = Math.round(((performance.now() - t) / 1000) * 100) / 100;
console.log(
  JSON.stringify({
    seconds,
    max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(requests !== undefined ? { requests } : {}),
    ...(verifyExit !== undefined ? { verify_exit: verifyExit } : {}),
  }),
);

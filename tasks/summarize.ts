// npm run summarize — per-lane counts, errors, latency/TTFT percentiles and tokens from the usage log.
import { argv } from 'zx';
import { parseSince } from '../proxy/read/log-reader.js';
import { summarizeLog, writeMetrics } from '../proxy/read/reports.js';
import { formatMetrics } from '../proxy/read/summarize.js';
import { usageLogPath } from '../proxy/common/logs-layout.js';
import { configOrExit, helpRequested } from './lib.js';

helpRequested(argv, `
Usage: npm run summarize [-- --since 2h|ISO] [--json] [--file PATH] [--no-rotated]

Reads logs/usage.jsonl (CCP_LOGS_DIR) and its rotated files line by line, prints a table per lane
(split by op, h1/h2, z.ai header mode and decision) and writes results/METRICS.json (CCP_RESULTS_DIR).
--json prints the JSON instead of the table. Exit 2 when there is no log.`);

const config = configOrExit();
const file = typeof argv.file === 'string' ? argv.file : usageLogPath(config.logsDir);
let since: number | undefined;
try {
  since = typeof argv.since === 'string' ? parseSince(argv.since) : undefined;
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const m = await summarizeLog(file, { ...(since !== undefined ? { since } : {}), includeRotated: argv.rotated !== false });
if (m.source.files.length === 0) {
  console.error(`ccp: no log at ${file}`);
  process.exit(2);
}
const out = writeMetrics(config.resultsDir, m);
if (argv.json) console.log(JSON.stringify(m, null, 2));
else {
  console.log(formatMetrics(m));
  console.log(`wrote ${out}`);
}

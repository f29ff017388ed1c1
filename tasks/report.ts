// npm run report — results/H1H2-AB.md and results/ZAI-Header-AB.md from the log.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argv } from 'zx';
import { MIN_PER_ARM, h1h2Report, headerModeReport } from '../proxy/read/ab-report.js';
import { DEFAULT_EXPECT, reportData, summarizeLog } from '../proxy/read/reports.js';
import { htmlReport } from '../proxy/read/html-report.js';
import { laneHosts, parseExpect } from '../proxy/read/verify.js';
import { configOrExit, helpRequested, knownFlags } from './lib.js';
import { logFileAndSince } from './log-flags.js';
import { ensureDir } from '../proxy/common/dirs.js';

helpRequested(
  argv,
  `
Usage: npm run report [-- --since 2h|ISO] [--file PATH] [--html]

Writes results/H1H2-AB.md (HTTP/1.1 vs HTTP/2 on the client leg, per lane) and
results/ZAI-Header-AB.md (x-api-key vs Bearer on the Z.AI lane): n, error rate, p50/p95 latency and
TTFT, 401s and retries, and a one-line verdict, which says "not enough data" when either arm has
fewer than ${MIN_PER_ARM} requests. --html also writes results/summary.html: a self-contained page
(inline SVG) with the verify-routing verdict at the top, per-lane totals, TTFT and latency
distributions, requests over time, tokens, errors and decisions. Exit 2 when there is no log.`,
);
knownFlags(argv, ['html', 'file', 'since'], 'report');

const config = configOrExit();
const { file, since } = logFileAndSince(argv, config);
const opts = since !== undefined ? { since } : {};
// One pass over the log either way: --html needs the distributions too, the A/B reports only the summary.
const html = argv.html
  ? await reportData(file, parseExpect(DEFAULT_EXPECT), {
      ...opts,
      hosts: laneHosts(config),
      pricing: config.pricing,
      threads: config.readThreads,
    })
  : undefined;
if (html)
  for (const j of html.verdict.judgedBy) console.log(`hosts judged by ${j.source}: ${j.completions} completion(s)`);
const m =
  html?.metrics ?? (await summarizeLog(file, { ...opts, pricing: config.pricing, threads: config.readThreads }));
if (m.source.files.length === 0) {
  console.error(`ccp: no log at ${file}`);
  process.exit(2);
}
ensureDir(config.resultsDir);
for (const [name, text] of [
  ['H1H2-AB.md', h1h2Report(m)],
  ['ZAI-Header-AB.md', headerModeReport(m)],
] as const) {
  const path = join(config.resultsDir, name);
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
  for (const line of text.split('\n').filter((l) => l.startsWith('Verdict:'))) console.log(`  ${line}`);
}
if (html) {
  const path = join(config.resultsDir, 'summary.html');
  writeFileSync(path, htmlReport(html.metrics, html.verdict, html.collector));
  console.log(`wrote ${path}`);
}

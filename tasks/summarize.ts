// npm run summarize — per-lane counts, errors, latency/TTFT percentiles, tokens and cost from the usage log.
import { argv } from 'zx';
import { summarizeLog, writeMetrics } from '../proxy/read/reports.js';
import { formatAttribution, formatMetrics } from '../proxy/read/summary-format.js';
import { configOrExit, helpRequested, sessionFlag, knownFlags } from './lib.js';
import { logFileAndSince } from './log-flags.js';

helpRequested(
  argv,
  `
Usage: npm run summarize [-- --since 2h|ISO] [--session ID] [--by session|class|agent] [--json] [--file PATH] [--no-rotated]

Reads logs/usage.jsonl (CCP_LOGS_DIR) and its rotated files line by line (a large log on every core:
CCP_READ_THREADS; percentiles exact below 204.8 ms, within 0.05 % above), prints a table per lane
(split by op, h1/h2, z.ai header mode and decision), the cost per lane and model and what the offload
saved — or, in words, what the Z.AI lane cost more than Anthropic would have — and what it kept off
Anthropic in requests and tokens; with ZAI_BILLING=plan, the credits the Z.AI lane spent (prices and
credit rates: docs/COST.md, CCP_PRICES_FILE, ZAI_BILLING), and writes results/METRICS.json
(CCP_RESULTS_DIR) — not with --file, whose figures never replace the kit's own.
  --by session   attempts per lane, tokens and cost per Claude Code session (x-claude-code-session-id)
  --by class     the same per request class (x-claude-code-request-class, e.g. main)
  --by agent     the same per kind of work: main, each subagent type (x-claude-code-agent-type), auxiliary
                 calls; for work that stayed on Anthropic, what offloading it would have moved
                 (attempts, tokens, and their cost at the Z.AI lane's prices, or in credits with
                 ZAI_BILLING=plan)
  --session ID   only the requests of that Claude Code session
  --json         print the JSON instead of the tables
Exit 2 when there is no log.`,
);
knownFlags(argv, ['by', 'file', 'json', 'rotated', 'since', 'session'], 'summarize');

const BY: Record<string, 'by_session' | 'by_class' | 'by_work'> = {
  session: 'by_session',
  class: 'by_class',
  agent: 'by_work',
};
const TITLE = { by_session: 'session', by_class: 'request class', by_work: 'kind of work' } as const;
const by = argv.by === undefined ? undefined : BY[String(argv.by)];
if (argv.by !== undefined && !by) {
  console.error(`ccp: --by takes session, class or agent, not "${argv.by}"`);
  process.exit(2);
}
const config = configOrExit();
const { file, since } = logFileAndSince(argv, config);
const session = sessionFlag(argv);
const m = await summarizeLog(file, {
  ...(since !== undefined ? { since } : {}),
  ...(session ? { session } : {}),
  includeRotated: argv.rotated !== false,
  pricing: config.pricing,
  threads: config.readThreads,
});
if (m.source.files.length === 0) {
  console.error(`ccp: no log at ${file}`);
  process.exit(2);
}
if (session && m.totals.requests === 0 && m.decisions_without_completion === 0) {
  console.error(`ccp: session ${session} is not in the log (npm run summarize -- --by session lists the sessions)`);
  process.exit(2);
}
// results/METRICS.json is the evidence of the kit's own log: another file's figures never replace it.
const out = typeof argv.file === 'string' ? undefined : writeMetrics(config.resultsDir, m);
if (argv.json) console.log(JSON.stringify(m, null, 2));
else {
  console.log(formatMetrics(m));
  if (by) console.log(`\n${formatAttribution(m[by], TITLE[by])}`);
  console.log(
    out
      ? `wrote ${out}`
      : `results/METRICS.json left as it was (--file reads another log; --json prints these figures)`,
  );
}

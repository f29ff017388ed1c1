// npm run verify-routing — PASS/FAIL per routing rule; exit 0 pass, 1 violation, 2 no data.
import { argv } from 'zx';
import { parseSince } from '../proxy/read/log-reader.js';
import { DEFAULT_EXPECT, verifyLog } from '../proxy/read/reports.js';
import { formatVerdict, laneHosts, parseExpect } from '../proxy/read/verify.js';
import { logFiles, usageLogPath } from '../proxy/common/logs-layout.js';
import { configOrExit, failureLine, helpRequested, pathFromFlag, sessionFlag, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run verify-routing [-- --since 2h|ISO] [--session ID] [--expect ${DEFAULT_EXPECT}] [--file PATH]
                               [--grace 120] [--zai-host HOST[,HOST]] [--anthropic-host HOST[,HOST]]

Checks every completion in the log: haiku on the z.ai lane unless a logged reason (paused, offload
off, no key, cooldown, fallback, account probe) kept it on anthropic; no other model on z.ai; every
decision line completed within the grace period (seconds); where each request physically went: no
anthropic-lane request reached the z.ai host, and every request reached the host configured for its
lane (ZAI_BASE_URL / ANTH_BASE_URL, plus --zai-host / --anthropic-host for logs of other settings);
every /v1/messages body had a readable model; no anthropic-lane request carries a z.ai header mode;
each expected family reached its lane at least once.
Hosts are judged by what the proxy ran with: the run line it writes at start (and after each log
rotation) names its lane base URLs, so settings given inline to 'npm run mitm' (ZAI_BASE_URL=…) are
judged right from any shell. Only lines before any run line (logs of older versions) fall back to this
shell's settings; the output's first lines say which source judged how many requests. A malformed
(non-JSON) line is skipped and counted in a NOTE line.
--session ID checks only the requests of that Claude Code session (x-claude-code-session-id, logged as
"session"; \`npm run summarize -- --by session\` lists them).
Exit 0 all pass, 1 a violation (FAIL lines name the rids), 2 no log or no data in the window.`,
);
knownFlags(argv, ['expect', 'file', 'grace', 'since', 'anthropic-host', 'zai-host', 'session'], 'verify-routing');

const config = configOrExit();
const file = typeof argv.file === 'string' ? pathFromFlag(argv.file, '--file') : usageLogPath(config.logsDir);
if (logFiles(file, true).length === 0) {
  console.error(`ccp: no log at ${file}`);
  process.exit(2);
}
try {
  const since = typeof argv.since === 'string' ? parseSince(argv.since) : undefined;
  const expect = parseExpect(typeof argv.expect === 'string' ? argv.expect : DEFAULT_EXPECT);
  const graceS = argv.grace !== undefined ? Number(argv.grace) : undefined;
  if (graceS !== undefined && !(Number.isFinite(graceS) && graceS >= 0))
    throw new Error(`--grace takes seconds, 0 or more, not "${argv.grace}"`);
  const list = (v: unknown) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean)
      : [];
  const extra = { zai: list(argv['zai-host']), anthropic: list(argv['anthropic-host']) };
  const hosts = laneHosts(config, extra);
  const session = sessionFlag(argv);
  const v = await verifyLog(file, expect, {
    hosts,
    judging: { extra, fallbackSubagents: config.offload.subagents },
    threads: config.readThreads,
    ...(since !== undefined ? { since } : {}),
    ...(graceS !== undefined ? { graceS } : {}),
    ...(session ? { session } : {}),
  });
  if (session && v.completions === 0) {
    console.error(`ccp: session ${session} is not in the log (npm run summarize -- --by session lists the sessions)`);
    process.exit(2);
  }
  console.log(formatVerdict(v));
  process.exit(v.exitCode);
} catch (e) {
  console.error(`ccp: ${failureLine(e)}`);
  process.exit(2);
}

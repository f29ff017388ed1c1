// npm run pilot — the dual-terminal pilot acceptance (T1–T6), offline; writes results/TESTS.md.
import { join } from 'node:path';
import { argv } from 'zx';
import { runPilot } from '../proxy/rig/pilot.js';
import { configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run pilot

Runs the pilot acceptance offline against the built-in fake upstreams (its own proxy, CA and log under
logs/pilot/): T1 Haiku → Z.AI, T2 Sonnet → Anthropic with its own credentials, T3 SSE streamed and
tokens logged, T4 no credential crossed lanes, T5 a Z.AI 401 in one header mode succeeds in the
other, T6 pause and resume without restart. Writes results/TESTS.md (CCP_RESULTS_DIR) with PASS/FAIL,
figures and the rids that prove each line. Exit 1 on any FAIL.`,
);
knownFlags(argv, [], 'pilot');

const config = configOrExit();
const r = await runPilot({
  dir: join(config.logsDir, 'pilot'),
  resultsDir: config.resultsDir,
  print: (s) => console.log(s),
});
console.log(`\npilot ${r.ok ? 'PASSED' : 'FAILED'}: wrote ${r.reportPath}`);
process.exit(r.ok ? 0 : 1);

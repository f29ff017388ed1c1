// npm run prove — the quick proofs against your running proxy with your real claude.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argv } from 'zx';
import { ensureDir } from '../proxy/common/dirs.js';
import { PROVE_REPORT, proveMarkdown } from '../proxy/ops/prove-report.js';
import { execa } from 'execa';
import { findRunning } from '../proxy/ops/control-client.js';
import { prove, proxiedEnv } from '../proxy/ops/prove.js';
import { formatVerdict, laneHosts } from '../proxy/read/verify.js';
import { colors, configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run prove [-- --claude PATH]

Against the running proxy (npm run mitm): runs your claude with the environment env/sub-env.sh gives
a terminal, once with --model haiku and once with --model sonnet ("ok", --output-format json), shows
each answer with the lane and status the usage log recorded for it, then verify-routing on just those
requests, and writes results/PROVE.md (the pilot's results/TESTS.md points at it). Uses your own
claude login. Exit 0 when both answered on the right lanes, 1 otherwise,
2 when the proxy is not running or claude is not installed.`,
);
knownFlags(argv, ['claude'], 'prove');

const config = configOrExit();
const running = await findRunning(config.logsDir);
if (running.kind !== 'running') {
  console.error(colors.red('ccp: the proxy is not running. Start it with: npm run mitm'));
  process.exit(2);
}
const claude = typeof argv.claude === 'string' ? argv.claude : 'claude';
const version = await execa(claude, ['--version'], { reject: false, timeout: 30_000, stdin: 'ignore' }).catch(
  () => undefined,
);
if (version?.exitCode !== 0) {
  console.error(
    colors.red(
      `ccp: claude is not installed (or '${claude}' does not run). Install it: npm install -g @anthropic-ai/claude-code`,
    ),
  );
  process.exit(2);
}
console.log(
  `ccp: proving routing through the proxy on port ${running.state.port} with claude ${String(version.stdout).trim()}\n`,
);
const hosts = laneHosts({
  zaiBaseUrl: new URL(running.status.zai_base_url),
  anthBaseUrl: new URL(running.status.anth_base_url),
});
const result = await prove({
  claude,
  state: running.state,
  env: proxiedEnv(process.env, running.state),
  hosts,
  print: (s) => console.log(s),
});
console.log('\n== verify-routing (these requests only) ==');
console.log(formatVerdict(result.verdict));
ensureDir(config.resultsDir);
const report = join(config.resultsDir, PROVE_REPORT);
writeFileSync(
  report,
  proveMarkdown(result, {
    now: new Date(),
    claudeVersion: String(version.stdout).trim(),
    port: running.state.port,
    logPath: running.state.log_path,
  }),
);
console.log(`wrote ${report}`);
console.log(result.ok ? colors.green('\nprove: PASS') : colors.red('\nprove: FAIL'));
process.exit(result.ok ? 0 : 1);

// npm run mitm — start the proxy in the foreground.
import { formatBanner, missingKeyHint } from '../proxy/serve/banner.js';
import { formatRequestLine, type Paint } from '../proxy/serve/observe/console-line.js';
import { LineBatcher } from '../proxy/serve/observe/line-batcher.js';
import { findRunning } from '../proxy/ops/control-client.js';
import { findPortOwner } from '../proxy/ops/port-owner.js';
import { clearRunState, writeRunState } from '../proxy/ops/run-state.js';
import { PortInUseError, startProxy } from '../proxy/serve/server.js';
import { writeSubEnv } from '../proxy/ops/sub-env.js';
import { colors, configOrExit, exitOnBadPath, helpRequested } from './lib.js';
import { badPathLine } from '../proxy/common/path-settings.js';

// No zx here (see tasks/lib.ts): the flags are read by hand.
const flags = new Set(process.argv.slice(2));
helpRequested({ help: flags.has('--help'), h: flags.has('-h') }, `
Usage: npm run mitm

Starts the lane-splitting proxy on 127.0.0.1:$MITM_PORT (default 8082) in the foreground.
Settings come from the environment and .env (see .env.example; an empty variable counts as unset).
OFFLOAD_PAUSED given here (e.g. OFFLOAD_PAUSED=0 npm run mitm) wins over a remembered 'npm run pause'.
Writes logs/mitm.pid, logs/mitm.state.json and env/sub-env.sh; logs every request to logs/usage.jsonl,
after a run line with the settings it runs with (the readers judge the run by it, from any shell).
A bad CCP_LOGS_DIR, CCP_CA_DIR or CCP_ENV_FILE is one line naming it, exit 2.
The dashboard is at http://127.0.0.1:$MITM_PORT/__ccp/ while it runs.
Stop with Ctrl-C or 'npm run stop'.`);

const paint: Paint = { zai: colors.magenta, anthropic: colors.cyan, ok: colors.green, bad: colors.red, dim: colors.gray };

const config = configOrExit();

const existing = await findRunning(config.logsDir);
if (existing.kind === 'running') {
  console.error(colors.red(`ccp: a proxy is already running (pid ${existing.state.pid}, port ${existing.state.port}).`));
  console.error(`Stop it with 'npm run stop', or start another one elsewhere: MITM_PORT=8083 CCP_LOGS_DIR=./logs-8083 npm run mitm`);
  process.exit(1);
}

let proxy;
try {
  proxy = await startProxy(config);
} catch (e) {
  if (e instanceof PortInUseError) {
    const owner = findPortOwner(e.port);
    const command = owner?.command.replace(/\s+/g, ' ').trim().slice(0, 120);
    const who = owner ? `pid ${owner.pid} (${command || 'unknown command'})` : 'another process';
    console.error(colors.red(`ccp: port ${e.port} is already in use by ${who}.`));
    console.error(`Fix: if that is an earlier ccp proxy, run 'npm run stop'; otherwise pick a free port: MITM_PORT=${e.port + 1} npm run mitm`);
    process.exit(1);
  }
  // A bad CCP_LOGS_DIR / CCP_CA_DIR / CCP_ENV_FILE is one line naming the setting, exit 2.
  const bad = badPathLine(e, config);
  console.error(colors.red(`ccp: could not start: ${bad ?? (e as Error).message}`));
  process.exit(bad ? 2 : 1);
}

let subEnvPath: string;
try {
  writeRunState(config.logsDir, {
    pid: process.pid,
    port: proxy.port,
    token: proxy.controlToken,
    started_at: proxy.startedAt.toISOString(),
    ca_cert: proxy.ca.certPath,
    ca_fingerprint: proxy.ca.fingerprint,
    log_path: proxy.logPath,
  });
  subEnvPath = writeSubEnv(config.envFile, { caCertPath: proxy.ca.certPath, defaultPort: proxy.port, caFingerprint: proxy.ca.fingerprint });
} catch (e) {
  await proxy.stop();
  clearRunState(config.logsDir, process.pid);
  console.error(colors.red(`ccp: could not start: ${badPathLine(e, config) ?? (e as Error).message}`));
  process.exit(2);
}
const keyHint = missingKeyHint(Boolean(config.zaiApiKey));
if (keyHint) console.log(colors.yellow(keyHint));
console.log(formatBanner(proxy, { subEnvPath, pid: process.pid }));
console.log('');

const requestLines = new LineBatcher((text) => process.stdout.write(text));
proxy.router.on('completed', ({ record }) => requestLines.push(formatRequestLine(record, paint)));
// What the user has to act on (a rejected Z.AI key, an expired plan, an unknown model): once, loudly.
proxy.router.on('alert', (text) => requestLines.push(colors.red(colors.bold(`ccp: ${text}`))));

// Keep serving: one bad request or a library hiccup must not take every terminal's proxy down.
process.off('uncaughtException', exitOnBadPath);
process.on('uncaughtException', (err) => console.error(colors.red(`ccp: internal error (still running): ${err.message}`)));
process.on('unhandledRejection', (err) => console.error(colors.red(`ccp: internal error (still running): ${(err as Error)?.message ?? err}`)));

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  requestLines.flush();
  console.log(colors.gray(`\nccp: ${signal}: stopping, flushing the log…`));
  const hardStop = setTimeout(() => process.exit(1), 5000);
  try {
    await proxy.stop();
  } finally {
    clearRunState(config.logsDir, process.pid);
    clearTimeout(hardStop);
  }
  requestLines.flush();
  console.log(colors.gray('ccp: stopped.'));
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

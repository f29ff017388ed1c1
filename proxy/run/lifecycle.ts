// The proxy process from start to stop, in one home: refuse a second proxy, start (a busy port named
// with its owner), the pid/state files and the terminal script, the banner, a console line per
// request, crash handlers that keep it serving, and the clean stop on SIGINT/SIGTERM/SIGHUP that writes the
// in-flight completion lines. `npm run mitm` calls runProxyProcess(); rig/proxy-process.ts starts
// exactly what `npm run mitm` runs (mitmCommand()) and waits for its ready signal.
import { join } from 'node:path';
import type { Colors } from '../common/colors.js';
import { REPO_ROOT, type Config } from '../common/config.js';
import { badPathLine } from '../common/path-settings.js';
import { findRunning } from '../ops/control-client.js';
import { npmParent } from '../ops/npm-parent.js';
import { findPortOwner, freePortAfter } from '../ops/port-owner.js';
import { clearRunState, writeRunState } from '../ops/run-state.js';
import { writeSubEnv } from '../ops/sub-env.js';
import { formatBanner, missingKeyHint } from '../serve/banner.js';
import { formatRequestLine, type Paint } from '../serve/observe/console-line.js';
import { LineBatcher } from '../serve/observe/line-batcher.js';
import { PortInUseError, startProxy } from '../serve/server.js';

/** What `npm run mitm` runs (package.json's scripts.mitm, checked by a test). */
export function mitmCommand(): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: [join(REPO_ROOT, 'tasks', 'launch.mjs'), join(REPO_ROOT, 'tasks', 'mitm.ts')],
  };
}

/**
 * Runs the proxy in this process until SIGINT, SIGTERM or SIGHUP. Exits the process itself: 1 when another
 * proxy runs or the port is taken, 2 for a bad path, 0 after a clean stop.
 */
export async function runProxyProcess(
  config: Config,
  colors: Colors,
  startupHandler: (err: unknown) => void,
): Promise<void> {
  const paint: Paint = {
    zai: colors.magenta,
    anthropic: colors.cyan,
    ok: colors.green,
    bad: colors.red,
    dim: colors.gray,
  };

  const existing = await findRunning(config.logsDir);
  if (existing.kind === 'running') {
    console.error(
      colors.red(`ccp: a proxy is already running (pid ${existing.state.pid}, port ${existing.state.port}).`),
    );
    console.error(
      `Stop it with 'npm run stop', or start another one elsewhere: MITM_PORT=8083 CCP_LOGS_DIR=./logs-8083 npm run mitm`,
    );
    process.exit(1);
  }

  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    proxy = await startProxy(config);
  } catch (e) {
    if (e instanceof PortInUseError) {
      const owner = findPortOwner(e.port);
      const command = owner?.command.replace(/\s+/g, ' ').trim().slice(0, 120);
      const who = owner ? `pid ${owner.pid} (${command || 'unknown command'})` : 'another process';
      console.error(colors.red(`ccp: port ${e.port} is already in use by ${who}.`));
      const free = await freePortAfter(e.port);
      console.error(
        `Fix: if that is an earlier ccp proxy, run 'npm run stop'; otherwise use a port that is free now: ` +
          (free ? `MITM_PORT=${free} npm run mitm` : 'MITM_PORT=<a free port> npm run mitm'),
      );
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
    subEnvPath = writeSubEnv(config.envFile, {
      caCertPath: proxy.ca.certPath,
      defaultPort: proxy.port,
      caFingerprint: proxy.ca.fingerprint,
    });
  } catch (e) {
    await proxy.stop();
    clearRunState(config.logsDir, process.pid);
    console.error(colors.red(`ccp: could not start: ${badPathLine(e, config) ?? (e as Error).message}`));
    process.exit(2);
  }
  const keyHint = missingKeyHint(Boolean(config.zaiApiKey));
  if (keyHint) console.log(colors.yellow(keyHint));
  console.log(formatBanner(proxy, { subEnvPath, pid: process.pid, npmParent: npmParent() }));
  console.log('');

  const requestLines = new LineBatcher((text) => process.stdout.write(text));
  proxy.router.on('completed', ({ record }) => requestLines.push(formatRequestLine(record, paint)));
  // What the user has to act on (a rejected Z.AI key, an expired plan, an unknown model): once, loudly.
  proxy.router.on('alert', (text) => requestLines.push(colors.red(colors.bold(`ccp: ${text}`))));

  // Keep serving: one bad request or a library hiccup must not take every terminal's proxy down.
  process.off('uncaughtException', startupHandler);
  process.on('uncaughtException', (err) =>
    console.error(colors.red(`ccp: internal error (still running): ${err.message}`)),
  );
  process.on('unhandledRejection', (err) =>
    console.error(colors.red(`ccp: internal error (still running): ${(err as Error)?.message ?? err}`)),
  );

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
  // The terminal that runs the proxy was closed (or its ssh session dropped): the same clean stop.
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
}

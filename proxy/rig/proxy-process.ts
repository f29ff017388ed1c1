// The proxy as its own process, started the way `npm run mitm` starts it, for whatever measures or
// restarts it (bench, load, tests): wait for the banner's ready signal, stop it by its pid.
import net from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { REPO_ROOT } from '../common/config.js';
import { findReadySignal } from '../serve/banner.js';
import { mitmCommand } from '../run/lifecycle.js';

export { mitmCommand };

/** A free port on loopback, for a proxy that must be told its port up front. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface ProxyProcessOptions {
  /** Through `npm run mitm`, as a user types it (an npm process in between), instead of the command itself. */
  viaNpm?: boolean;
  /** How long to wait for the ready signal. */
  readyTimeoutMs?: number;
  /** The process is killed (by its pid, by execa) after this long in all. */
  lifetimeMs?: number;
}

export interface ProxyProcess {
  /** The proxy's own pid, from its ready signal. */
  pid: number;
  port: number;
  /** The proxy's own start-up time, and the time from spawn to its ready signal. */
  startupMs: number;
  spawnToReadyMs: number;
  child: ResultPromise;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM to its pid (what `npm run stop` sends), then wait for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Proxies this process started and has not stopped: killed by pid if this process exits first (a failed test). */
const started = new Set<number>();
process.once('exit', () => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startProxyProcess(
  env: Record<string, string>,
  opts: ProxyProcessOptions = {},
): Promise<ProxyProcess> {
  const t0 = performance.now();
  const mitm = mitmCommand();
  const [file, args] = opts.viaNpm ? ['npm', ['run', '-s', 'mitm']] : [mitm.file, mitm.args];
  const child = execa(file, args, {
    cwd: REPO_ROOT,
    env: { ...env, FORCE_COLOR: '0' },
    reject: false,
    all: true,
    timeout: opts.lifetimeMs ?? 30 * 60_000,
  });
  let out = '';
  child.all!.on('data', (d: Buffer) => (out += d.toString()));
  const until = t0 + (opts.readyTimeoutMs ?? 30_000);
  let ready = findReadySignal(out);
  while (!ready) {
    if (performance.now() > until || child.exitCode !== null) {
      if (child.pid !== undefined && alive(child.pid)) child.kill('SIGKILL');
      await child;
      throw new Error(`the proxy did not signal ready: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 5));
    ready = findReadySignal(out);
  }
  const { pid, port, startupMs } = ready;
  started.add(pid);
  // Through npm, the proxy is npm's child: when npm ends (its lifetime ran out), the proxy must too.
  void child.then(() => {
    if (alive(pid)) process.kill(pid, 'SIGTERM');
  });
  return {
    pid,
    port,
    startupMs,
    spawnToReadyMs: performance.now() - t0,
    child,
    output: () => out,
    async stop(graceMs = 10_000) {
      if (alive(pid)) process.kill(pid, 'SIGTERM');
      const killer = setTimeout(() => alive(pid) && process.kill(pid, 'SIGKILL'), graceMs);
      await child;
      clearTimeout(killer);
      started.delete(pid);
    },
  };
}

// The running proxy's pid file and 0600 state file. stop/status/pause/resume find the proxy through
// these alone, and prove it is ours by asking its control endpoint, never by matching process names.
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { pidFilePath, stateFilePath } from '../common/logs-layout.js';
import { ensureDir } from '../common/dirs.js';

export interface RunState {
  pid: number;
  port: number;
  /** Authorises pause/resume on the control endpoint. */
  token: string;
  started_at: string;
  ca_cert: string;
  ca_fingerprint: string;
  log_path: string;
}

export function writeRunState(logsDir: string, state: RunState): void {
  ensureDir(logsDir);
  const stateFile = stateFilePath(logsDir);
  const tmp = `${stateFile}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, stateFile);
  writeFileSync(pidFilePath(logsDir), `${state.pid}\n`);
}

/** Remove the files, but only if they still describe this process (a newer proxy may own them). */
export function clearRunState(logsDir: string, pid: number): void {
  const current = readPid(logsDir);
  if (current !== undefined && current !== pid) return;
  rmSync(pidFilePath(logsDir), { force: true });
  rmSync(stateFilePath(logsDir), { force: true });
}

export function readPid(logsDir: string): number | undefined {
  const file = pidFilePath(logsDir);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function readRunState(logsDir: string): RunState | undefined {
  try {
    return JSON.parse(readFileSync(stateFilePath(logsDir), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

export { isAlive } from '../common/process-alive.js';

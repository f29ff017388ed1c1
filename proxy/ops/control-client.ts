// Talks to a running proxy's control endpoints (/__ccp/…) on its own port.
import type { ProxyStatus } from '../common/proxy-status.js';
import { readPid, readRunState, isAlive, type RunState } from './run-state.js';

export type { ProxyStatus };

export type Running =
  | { kind: 'running'; state: RunState; status: ProxyStatus }
  | { kind: 'not_running'; stalePid?: number }
  | { kind: 'unverified'; pid: number; why: string };

export async function fetchStatus(port: number, timeoutMs = 2000): Promise<ProxyStatus> {
  const res = await fetch(`http://127.0.0.1:${port}/__ccp/status`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`status endpoint answered ${res.status}`);
  return (await res.json()) as ProxyStatus;
}

/** Find the running proxy through the pid file and prove it is ours: its control endpoint reports that pid. */
export async function findRunning(logsDir: string): Promise<Running> {
  const pid = readPid(logsDir);
  if (pid === undefined) return { kind: 'not_running' };
  if (!isAlive(pid)) return { kind: 'not_running', stalePid: pid };
  const state = readRunState(logsDir);
  if (!state || state.pid !== pid)
    return { kind: 'unverified', pid, why: 'the state file is missing or names another pid' };
  try {
    const status = await fetchStatus(state.port);
    if (status.pid !== pid)
      return { kind: 'unverified', pid, why: `port ${state.port} is answered by pid ${status.pid}` };
    return { kind: 'running', state, status };
  } catch (e) {
    return { kind: 'unverified', pid, why: `no ccp proxy answers on port ${state.port} (${(e as Error).message})` };
  }
}

export async function setPausedLive(state: RunState, paused: boolean): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${state.port}/__ccp/${paused ? 'pause' : 'resume'}`, {
    method: 'POST',
    headers: { 'x-ccp-token': state.token },
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`control endpoint answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { paused: boolean }).paused;
}

/** npm run offload: switch the subagent offload of the running proxy; returns the policy now in force. */
/** The running proxy's offload switched live: subagents on/off and/or the threshold; what it offloads now. */
export async function setOffloadLive(
  state: RunState,
  change: { subagents?: boolean; atPct?: number },
): Promise<{ offload: string; at_pct: number }> {
  const q = new URLSearchParams();
  if (change.subagents !== undefined) q.set('subagents', change.subagents ? 'on' : 'off');
  if (change.atPct !== undefined) q.set('at', String(change.atPct));
  const res = await fetch(`http://127.0.0.1:${state.port}/__ccp/offload?${q}`, {
    method: 'POST',
    headers: { 'x-ccp-token': state.token },
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`control endpoint answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { offload: string; at_pct: number };
}

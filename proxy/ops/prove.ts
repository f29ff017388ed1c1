// The seed's quick proofs against the user's running proxy: real `claude -p` calls in the proxied
// environment, each answer shown with what the log recorded for it, then verify-routing on just those.
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { normalizeLine, type LogEntry } from '../read/log-reader.js';
import type { RunState } from './run-state.js';
import { RoutingVerifier, parseExpect, type LaneHosts, type Verdict } from '../read/verify.js';

export interface ProofRun {
  model: string;
  ok: boolean;
  answer: string;
  completions: LogEntry[];
}

export interface ProveResult {
  runs: ProofRun[];
  verdict: Verdict;
  ok: boolean;
}

function readEntries(logPath: string): LogEntry[] {
  if (!existsSync(logPath)) return [];
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        const e = normalizeLine(JSON.parse(l));
        return e ? [e] : [];
      } catch {
        return [];
      }
    });
}

/** The environment `source env/sub-env.sh PORT` gives a terminal, applied to `base`. */
export function proxiedEnv(base: Record<string, string | undefined>, state: RunState): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  delete env.ANTHROPIC_BASE_URL;
  delete env.ANTHROPIC_AUTH_TOKEN;
  env.HTTPS_PROXY = env.https_proxy = `http://127.0.0.1:${state.port}`;
  env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost';
  env.NODE_EXTRA_CA_CERTS = state.ca_cert;
  return env;
}

export async function prove(opts: {
  claude: string;
  state: RunState;
  env: Record<string, string>;
  models?: string[];
  timeoutMs?: number;
  /** The running proxy's lane hosts, so the proof checks where each request physically went. */
  hosts: LaneHosts;
  print: (s: string) => void;
}): Promise<ProveResult> {
  const runs: ProofRun[] = [];
  const all: LogEntry[] = [];
  for (const model of opts.models ?? ['haiku', 'sonnet']) {
    const before = readEntries(opts.state.log_path).length;
    opts.print(`$ claude -p --model ${model} "ok" --output-format json`);
    const r = await execa(opts.claude, ['-p', '--model', model, 'ok', '--output-format', 'json'], {
      env: opts.env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: opts.timeoutMs ?? 120_000,
    });
    let answer = '';
    let ok = false;
    try {
      const j = JSON.parse(String(r.stdout)) as { is_error?: boolean; result?: string };
      answer = String(j.result ?? '');
      ok = r.exitCode === 0 && j.is_error === false;
    } catch {
      answer = (String(r.stderr) || String(r.stdout)).trim().split('\n').slice(-1)[0] ?? '';
    }
    await new Promise((res) => setTimeout(res, 100)); // the completion line follows the last byte
    const fresh = readEntries(opts.state.log_path).slice(before);
    all.push(...fresh);
    const completions = fresh.filter((e) => e.kind === 'completion' && e.path === '/v1/messages');
    runs.push({ model, ok, answer, completions });
    opts.print(
      `  ${ok ? 'answer' : 'FAILED'}: ${JSON.stringify(answer.slice(0, 120))}${r.timedOut ? ' (timed out)' : ''}`,
    );
    if (completions.length === 0)
      opts.print('  log: no /v1/messages line for this run (did the request reach the proxy?)');
    for (const c of completions)
      opts.print(
        `  log: ${c.model} → ${c.lane} ${c.status}${c.err_type ? ` ${c.err_type}` : ''} (${c.decision}) rid ${c.rid}`,
      );
  }
  const expect = parseExpect(
    opts.models
      ? opts.models.map((m) => `${m}=${m.includes('haiku') ? 'zai' : 'anthropic'}`).join(',')
      : 'haiku=zai,sonnet=anthropic',
  );
  const v = new RoutingVerifier(expect, undefined, opts.hosts);
  for (const e of all) v.add(e);
  const verdict = v.result();
  return { runs, verdict, ok: runs.every((r) => r.ok && r.completions.length > 0) && verdict.exitCode === 0 };
}

// The mitm start banner. Pure: it never sees the Z.AI key, only whether one is set.
import { relative } from 'node:path';
import { REPO_ROOT } from '../common/config.js';
import { dashboardUrl } from '../common/proxy-status.js';
import type { ProxyHandle } from './server.js';
import { zaiKeyFix } from '../common/start-command.js';

/** How a user names the env script from the repo root (absolute when it lives elsewhere). */
export function envFileHint(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

/**
 * The banner's last line, for whatever starts the proxy as a child process and waits for it to serve
 * (bench, load, tests): `ccp: ready port=8082 pid=4242 startup_ms=231`. Printed only once the port
 * accepts connections and the pid and state files are written.
 */
export const READY_SIGNAL = 'ccp: ready';

export interface ReadySignal {
  port: number;
  pid: number;
  startupMs: number;
}

export function readyLine(r: ReadySignal): string {
  return `${READY_SIGNAL} port=${r.port} pid=${r.pid} startup_ms=${r.startupMs}`;
}

/** The ready signal in a process's output so far, or undefined while it has not come. */
export function findReadySignal(output: string): ReadySignal | undefined {
  const m = new RegExp(`^${READY_SIGNAL} port=(\\d+) pid=(\\d+) startup_ms=(\\d+)$`, 'm').exec(output);
  return m ? { port: Number(m[1]), pid: Number(m[2]), startupMs: Number(m[3]) } : undefined;
}

/**
 * The one line a first run without a Z.AI key prints: what happens now and what to do. Undefined when a
 * key is set. The proxy still starts; Haiku stays on Anthropic with decision `no_zai_key`.
 */
export function missingKeyHint(hasZaiKey: boolean, fix = zaiKeyFix()): string | undefined {
  if (hasZaiKey) return undefined;
  return `ccp: no ZAI_API_KEY, so Haiku stays on Anthropic (no_zai_key). To offload it: ${fix}, restart npm run mitm.`;
}

/** What moves, in words that stay true: a main thread on Haiku moves by the Haiku rule. */
export function offloadLine(o: { haiku: boolean; subagents: boolean }): string {
  const what = [o.haiku ? 'haiku' : '', o.subagents ? "subagents (every request of a subagent's thread)" : '']
    .filter(Boolean)
    .join(' + ');
  if (!what) return 'nothing → z.ai lane; everything stays on anthropic';
  const main = o.haiku
    ? 'the main conversation stays on anthropic unless its model is Haiku (claude --model haiku)'
    : 'the main conversation stays on anthropic';
  return `${what} → z.ai lane; ${main}`;
}

/** What `npm run mitm`'s own process costs beside the proxy, and the start that has none. */
export function npmParentLine(npm: { pid: number; rssBytes: number }): string {
  const mb = Math.round(npm.rssBytes / 1048576);
  return `npm's own process (pid ${npm.pid}, ${mb} MB) waits beside the proxy while it runs. Without it: node tasks/launch.mjs tasks/mitm.ts, or CCP_AUTOSTART=1 (the terminal starts it).`;
}

export function formatBanner(
  p: ProxyHandle,
  opts: { subEnvPath: string; pid: number; npmParent?: { pid: number; rssBytes: number } | undefined },
): string {
  const c = p.config;
  const map = c.zaiModelMap.length
    ? c.zaiModelMap.map((e) => `${e.match}=${e.target}`).join(',')
    : 'none (Claude ids sent as-is)';
  const onOff = (b: boolean) => (b ? '1' : '0');
  return [
    `ccp-lanes proxy listening on http://127.0.0.1:${p.port} (pid ${opts.pid}, ready in ${p.startupMs} ms)`,
    `  CA cert      ${p.ca.certPath}${p.ca.created ? `  (created now${p.ca.replacedBecause ? `, old one ${p.ca.replacedBecause}` : ''})` : ''}`,
    `  CA SHA-256   ${p.ca.fingerprint}`,
    `  CA valid to  ${p.ca.notAfter.toISOString().slice(0, 10)}; name-constrained to api.anthropic.com`,
    `  zai lane     haiku → ${c.zaiBaseUrl.href}  key ${c.zaiApiKey ? 'set' : 'NOT SET (haiku stays on anthropic)'}  header ${p.zaiLane.headerMode}  model map ${map}`,
    `  anthropic    everything else → ${c.anthBaseUrl.href} with the client's own credentials`,
    `  offload      ${offloadLine(p.toggles.offload)}`,
    ...(p.toggles.offload.atPct && p.toggles.offload.subagents
      ? [
          `  threshold    subagents move only while the Anthropic subscription's busiest window is ≥ ${p.toggles.offload.atPct} % (CCP_OFFLOAD_AT_PCT)`,
        ]
      : []),
    `  zai capacity ${c.zaiMaxInflight ? `at most ${c.zaiMaxInflight} in flight (CCP_ZAI_MAX_INFLIGHT)` : "learned from Z.AI's 1302 refusals (CCP_ZAI_MAX_INFLIGHT=0)"}; beyond it → anthropic at once`,
    `  toggles      FORCE_HAIKU_TO_ZAI=${onOff(p.toggles.offload.haiku)} paused=${onOff(p.toggles.paused)} MITM_FORCE_H1=${onOff(c.forceH1)} MITM_FILTER_CHAIN=${onOff(c.filterChain)} ENABLE_BODY_TEE=${onOff(c.bodyTee)} CCP_FALLBACK=${onOff(c.fallback)}`,
    ...(p.toggles.pauseAtStart.note ? [`  pause        ${p.toggles.pauseAtStart.note}`] : []),
    `  dashboard    ${dashboardUrl(p.port)}`,
    `  usage log    ${p.logPath}`,
    `  env file     ${opts.subEnvPath}`,
    ``,
    `In another terminal:  source ${envFileHint(opts.subEnvPath)} ${p.port}   then run claude as usual.`,
    `Live toggles: npm run pause | npm run resume    Stop: npm run stop (or Ctrl-C)`,
    ...(opts.npmParent ? [npmParentLine(opts.npmParent)] : []),
    readyLine({ port: p.port, pid: opts.pid, startupMs: p.startupMs }),
  ].join('\n');
}

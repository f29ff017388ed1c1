// The mitm start banner. Pure: it never sees the Z.AI key, only whether one is set.
import { relative } from 'node:path';
import { REPO_ROOT } from '../common/config.js';
import type { ProxyHandle } from './server.js';

/** How a user names the env script from the repo root (absolute when it lives elsewhere). */
export function envFileHint(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

export function formatBanner(p: ProxyHandle, opts: { subEnvPath: string; pid: number }): string {
  const c = p.config;
  const map = c.zaiModelMap.length ? c.zaiModelMap.map((e) => `${e.match}=${e.target}`).join(',') : 'none (Claude ids sent as-is)';
  const onOff = (b: boolean) => (b ? '1' : '0');
  return [
    `ccp-lanes proxy listening on http://127.0.0.1:${p.port} (pid ${opts.pid}, ready in ${p.startupMs} ms)`,
    `  CA cert      ${p.ca.certPath}${p.ca.created ? '  (created now' + (p.ca.replacedBecause ? `, old one ${p.ca.replacedBecause}` : '') + ')' : ''}`,
    `  CA SHA-256   ${p.ca.fingerprint}`,
    `  CA valid to  ${p.ca.notAfter.toISOString().slice(0, 10)}; name-constrained to api.anthropic.com`,
    `  zai lane     haiku → ${c.zaiBaseUrl.href}  key ${c.zaiApiKey ? 'set' : 'NOT SET (haiku stays on anthropic)'}  header ${p.state.zaiHeaderMode}  model map ${map}`,
    `  anthropic    everything else → ${c.anthBaseUrl.href} with the client's own credentials`,
    `  toggles      FORCE_HAIKU_TO_ZAI=${onOff(c.forceHaikuToZai)} paused=${onOff(p.state.paused)} MITM_FORCE_H1=${onOff(c.forceH1)} MITM_FILTER_CHAIN=${onOff(c.filterChain)} ENABLE_BODY_TEE=${onOff(c.bodyTee)}`,
    `  usage log    ${p.logPath}`,
    `  env file     ${opts.subEnvPath}`,
    ``,
    `In another terminal:  source ${envFileHint(opts.subEnvPath)} ${p.port}   then run claude as usual.`,
    `Live toggles: npm run pause | npm run resume    Stop: npm run stop (or Ctrl-C)`,
  ].join('\n');
}

// The dated section `npm run bundle -- --handoff` appends to docs/SESSION_HANDOFF.md.
import { appendFileSync } from 'node:fs';
import type { Metrics } from './summarize.js';
import type { Verdict } from './verify.js';

export function handoffSection(opts: {
  now: Date;
  state: Record<string, unknown>;
  bundle: string;
  metrics: Metrics;
  verdict: Verdict;
}): string {
  const { metrics: m, verdict: v } = opts;
  const toggles = (opts.state.toggles ?? {}) as Record<string, unknown>;
  const versions = (opts.state.versions ?? {}) as Record<string, unknown>;
  const lanes = Object.entries(m.lanes)
    .map(
      ([lane, g]) =>
        `${lane} ${g.requests} req, ${g.errors} err, p50 ${g.latency_ms.p50 ?? '-'} ms, TTFT p50 ${g.ttft_ms.p50 ?? '-'} ms`,
    )
    .join('; ');
  const share = m.haiku.offload_share === null ? 'n/a' : `${(m.haiku.offload_share * 100).toFixed(1)}%`;
  const verdict =
    v.exitCode === 0
      ? 'PASS'
      : v.exitCode === 2
        ? 'NO DATA'
        : `FAIL (${v.checks
            .filter((c) => !c.pass)
            .map((c) => c.name)
            .join('; ')})`;
  return [
    '',
    `## ${opts.now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- settings (from ${String(toggles.source ?? 'unknown')}): ${Object.entries(toggles)
      .filter(([k]) => k !== 'source')
      .map(([k, val]) => `${k}=${String(val)}`)
      .join(', ')}`,
    `- versions: ${Object.entries(versions)
      .map(([k, val]) => `${k} ${String(val)}`)
      .join(', ')}`,
    `- bundle: ${opts.bundle}`,
    `- summarize: ${lanes || 'no traffic'}; haiku offloaded ${share} (${m.haiku.answered_on_zai}/${m.haiku.requests})`,
    `- verify-routing: ${verdict}${v.judgedBy.length ? `; hosts judged by ${v.judgedBy.map((j) => j.source).join(' and ')}` : ''}`,
    '',
  ].join('\n');
}

export function appendHandoff(path: string, section: string): void {
  appendFileSync(path, section);
}

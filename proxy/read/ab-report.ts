// A/B reports from the log: HTTP/1.1 vs HTTP/2 per lane, and x-api-key vs Bearer on the Z.AI lane. Pure.
import type { GroupSummary, Metrics } from './summarize.js';

/** Below this many requests in either arm, a verdict would be noise. */
export const MIN_PER_ARM = 20;

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : `${Math.round(v)}`;
}

function pct(n: number, d: number): string {
  return d ? `${((n / d) * 100).toFixed(1)}%` : '-';
}

const EMPTY: GroupSummary = {
  requests: 0,
  errors: 0,
  retries: 0,
  err_types: {},
  latency_ms: {},
  ttft_ms: {},
  tokens: { input: 0, output: 0, cache_creation: 0, cache_read: 0 },
};

function compare(a: { name: string; g: GroupSummary }, b: { name: string; g: GroupSummary }, advice: string): string {
  if (a.g.requests < MIN_PER_ARM || b.g.requests < MIN_PER_ARM) {
    return `not enough data: ${a.name} n=${a.g.requests}, ${b.name} n=${b.g.requests} (need at least ${MIN_PER_ARM} in each arm)`;
  }
  const la = a.g.latency_ms.p50!;
  const lb = b.g.latency_ms.p50!;
  const ea = a.g.errors / a.g.requests;
  const eb = b.g.errors / b.g.requests;
  const faster = lb < la ? b : a;
  const slower = faster === a ? b : a;
  const diff = Math.abs(la - lb);
  const rel = (diff / Math.max(la, lb)) * 100;
  const errNote =
    ea === eb ? 'equal error rates' : `error rate ${pct(a.g.errors, a.g.requests)} vs ${pct(b.g.errors, b.g.requests)}`;
  const better = eb < ea ? b.name : ea < eb ? a.name : faster.name;
  return `${faster.name} p50 latency is ${fmt(diff)} ms (${rel.toFixed(0)}%) lower than ${slower.name}; ${errNote}; prefer ${better}${advice ? ` (${advice.replace('%s', better)})` : ''}`;
}

function row(name: string, g: GroupSummary, extra: string[] = []): string {
  return `| ${name} | ${g.requests} | ${pct(g.errors, g.requests)} | ${fmt(g.latency_ms.p50)} | ${fmt(g.latency_ms.p95)} | ${fmt(g.ttft_ms.p50)} | ${fmt(g.ttft_ms.p95)} |${extra.map((e) => ` ${e} |`).join('')}`;
}

export function h1h2Report(m: Metrics): string {
  const out = [
    '# HTTP/1.1 vs HTTP/2 (client leg), per lane',
    '',
    `Generated ${m.generated_at} from ${m.source.files.join(', ') || 'no log'} by \`npm run report\`.`,
    '',
  ];
  for (const [lane, s] of Object.entries(m.lanes)) {
    const h1 = s.by_http.h1 ?? EMPTY;
    const h2 = s.by_http.h2 ?? EMPTY;
    out.push(
      `## ${lane} lane`,
      '',
      '| arm | n | error rate | latency p50 | p95 | TTFT p50 | p95 |',
      '|---|---|---|---|---|---|---|',
      row('h1', h1),
      row('h2', h2),
      '',
    );
    // Claude Code 2.1.332 speaks HTTP/1.1 to the proxy on every request, MITM_FORCE_H1 or not (34 of 34
    // observed): with no h2 arm there is nothing to compare, and the report must not imply there is.
    const noH2 =
      h2.requests === 0
        ? '; no HTTP/2 request at all: Claude Code 2.1.332 speaks HTTP/1.1 to the proxy whatever MITM_FORCE_H1 says, so there is nothing to compare unless another client (e.g. curl --http2) uses h2'
        : '';
    const verdict = compare({ name: 'h1', g: h1 }, { name: 'h2', g: h2 }, 'MITM_FORCE_H1=1 forces h1') + noH2;
    out.push(`Verdict: ${verdict}`, '');
  }
  if (Object.keys(m.lanes).length === 0) out.push('Verdict: not enough data: the log has no completed requests.', '');
  return out.join('\n');
}

export function headerModeReport(m: Metrics): string {
  const zai = m.lanes.zai;
  const x = zai?.by_header_mode['x-api-key'] ?? EMPTY;
  const b = zai?.by_header_mode.authorization ?? EMPTY;
  const extra = (g: GroupSummary) => [String(g.err_types['401'] ?? 0), String(g.retries)];
  return [
    '# Z.AI header mode: x-api-key vs Authorization: Bearer',
    '',
    `Generated ${m.generated_at} from ${m.source.files.join(', ') || 'no log'} by \`npm run report\`. Z.AI lane attempts only.`,
    '',
    '| arm | n | error rate | latency p50 | p95 | TTFT p50 | p95 | 401s | retries |',
    '|---|---|---|---|---|---|---|---|---|',
    row('x-api-key', x, extra(x)),
    row('authorization', b, extra(b)),
    '',
    `Verdict: ${compare({ name: 'x-api-key', g: x }, { name: 'authorization', g: b }, 'set ZAI_HEADER_MODE=%s')}`,
    '',
  ].join('\n');
}

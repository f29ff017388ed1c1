// Summarize usage.jsonl: per lane, and split by op, HTTP version, Z.AI header mode and decision. Pure:
// fed entries one by one (so a million-line log streams through in constant memory per sample).
import { isHaikuModel } from './decide.js';
import type { LogEntry, ReadStats } from './log-reader.js';
import { Samples } from './percentiles.js';

export interface Quantiles {
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface GroupSummary {
  requests: number;
  errors: number;
  /** Attempts that were a 401 header-mode retry. */
  retries: number;
  err_types: Record<string, number>;
  latency_ms: Quantiles;
  ttft_ms: Quantiles;
  tokens: { input: number; output: number; cache_creation: number; cache_read: number };
}

export interface LaneSummary extends GroupSummary {
  by_op: Record<string, GroupSummary>;
  by_http: Record<string, GroupSummary>;
  by_header_mode: Record<string, GroupSummary>;
  by_decision: Record<string, GroupSummary>;
}

export interface Metrics {
  generated_at: string;
  source: { files: string[]; lines: number; malformed: number; ignored: number; outside_window: number };
  window: { since?: string; first?: string; last?: string };
  /** Attempts that completed, all lanes. */
  totals: GroupSummary;
  lanes: Record<string, LaneSummary>;
  haiku: { requests: number; answered_on_zai: number; offload_share: number | null };
  decisions_without_completion: number;
}

class Group {
  requests = 0;
  errors = 0;
  retries = 0;
  errTypes: Record<string, number> = {};
  latency = new Samples();
  ttft = new Samples();
  tokens = { input: 0, output: 0, cache_creation: 0, cache_read: 0 };

  add(e: LogEntry): void {
    this.requests++;
    if (e.retry === true) this.retries++;
    if (e.err_type) {
      this.errors++;
      this.errTypes[e.err_type] = (this.errTypes[e.err_type] ?? 0) + 1;
    }
    if (typeof e.latency_ms === 'number') this.latency.push(e.latency_ms);
    if (typeof e.ttft_ms === 'number') this.ttft.push(e.ttft_ms);
    this.tokens.input += e.input_tokens ?? 0;
    this.tokens.output += e.output_tokens ?? 0;
    this.tokens.cache_creation += e.cache_creation_input_tokens ?? 0;
    this.tokens.cache_read += e.cache_read_input_tokens ?? 0;
  }

  result(): GroupSummary {
    return {
      requests: this.requests,
      errors: this.errors,
      retries: this.retries,
      err_types: this.errTypes,
      latency_ms: this.latency.quantiles(),
      ttft_ms: this.ttft.quantiles(),
      tokens: { ...this.tokens },
    };
  }
}

class LaneGroup extends Group {
  byOp = new Map<string, Group>();
  byHttp = new Map<string, Group>();
  byHeaderMode = new Map<string, Group>();
  byDecision = new Map<string, Group>();
}

function sub(map: Map<string, Group>, key: string): Group {
  let g = map.get(key);
  if (!g) map.set(key, (g = new Group()));
  return g;
}

function results(map: Map<string, Group>): Record<string, GroupSummary> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, g]) => [k, g.result()]));
}

/** Where a status alone says an attempt failed (old-kit lines carry no err_type for status 0). */
function withErrType(e: LogEntry): LogEntry {
  if (e.err_type || typeof e.status !== 'number') return e;
  if (e.status === 0) return { ...e, err_type: 'net' };
  if (e.status === 401) return { ...e, err_type: '401' };
  if (e.status === 429) return { ...e, err_type: '429' };
  if (e.status >= 500) return { ...e, err_type: '5xx' };
  if (e.status >= 400) return { ...e, err_type: '4xx' };
  return e;
}

export class Summarizer {
  private totals = new Group();
  private lanes = new Map<string, LaneGroup>();
  private haikuRequests = 0;
  private haikuOnZai = 0;
  private first: number | undefined;
  private last: number | undefined;
  /** rid:attempt of decisions still waiting for their completion. */
  private open = new Set<string>();

  add(raw: LogEntry): void {
    this.first = Math.min(this.first ?? raw.ts, raw.ts);
    this.last = Math.max(this.last ?? raw.ts, raw.ts);
    const key = `${raw.rid}:${raw.attempt ?? 1}`;
    if (raw.kind === 'decision') {
      if (raw.rid) this.open.add(key);
      return;
    }
    this.open.delete(key);
    const e = withErrType(raw);
    const laneName = e.lane ?? 'unknown';
    let lane = this.lanes.get(laneName);
    if (!lane) this.lanes.set(laneName, (lane = new LaneGroup()));
    this.totals.add(e);
    lane.add(e);
    sub(lane.byOp, e.op ?? 'other').add(e);
    sub(lane.byHttp, e.h2 ? 'h2' : 'h1').add(e);
    if (laneName === 'zai' && e.header_mode) sub(lane.byHeaderMode, e.header_mode).add(e);
    sub(lane.byDecision, e.decision ?? 'unknown').add(e);
    if (isHaikuModel(e.model)) {
      if ((e.attempt ?? 1) === 1) this.haikuRequests++;
      if (laneName === 'zai' && !e.err_type) this.haikuOnZai++;
    }
  }

  result(stats: ReadStats, since?: number): Metrics {
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t * 1000).toISOString());
    const lanes: Record<string, LaneSummary> = {};
    for (const [name, g] of [...this.lanes.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      lanes[name] = {
        ...g.result(),
        by_op: results(g.byOp),
        by_http: results(g.byHttp),
        by_header_mode: results(g.byHeaderMode),
        by_decision: results(g.byDecision),
      };
    }
    return {
      generated_at: new Date().toISOString(),
      source: { files: stats.files, lines: stats.lines, malformed: stats.malformed, ignored: stats.ignored, outside_window: stats.outside },
      window: { ...(since !== undefined ? { since: iso(since) } : {}), ...(this.first !== undefined ? { first: iso(this.first), last: iso(this.last) } : {}) },
      totals: this.totals.result(),
      lanes,
      haiku: {
        requests: this.haikuRequests,
        answered_on_zai: this.haikuOnZai,
        offload_share: this.haikuRequests ? Math.round((this.haikuOnZai / this.haikuRequests) * 10000) / 10000 : null,
      },
      decisions_without_completion: this.open.size,
    };
  }
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : v >= 10000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}`;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

/** The terminal table. */
export function formatMetrics(m: Metrics): string {
  const head = ['group', 'reqs', 'errs', 'lat p50', 'p95', 'p99', 'ttft p50', 'p95', 'p99', 'in tok', 'out tok', 'cache r/w'];
  const widths = [30, 6, 5, 8, 7, 7, 8, 7, 7, 9, 8, 13];
  const line = (label: string, g: GroupSummary) =>
    row(
      [
        label,
        String(g.requests),
        String(g.errors),
        fmt(g.latency_ms.p50),
        fmt(g.latency_ms.p95),
        fmt(g.latency_ms.p99),
        fmt(g.ttft_ms.p50),
        fmt(g.ttft_ms.p95),
        fmt(g.ttft_ms.p99),
        String(g.tokens.input),
        String(g.tokens.output),
        `${g.tokens.cache_read}/${g.tokens.cache_creation}`,
      ],
      widths,
    );
  const out: string[] = [row(head, widths), '-'.repeat(widths.reduce((a, b) => a + b + 2, -2))];
  for (const [name, lane] of Object.entries(m.lanes)) {
    out.push(line(`lane ${name}`, lane));
    for (const [k, g] of Object.entries(lane.by_op)) out.push(line(`  op ${k}`, g));
    for (const [k, g] of Object.entries(lane.by_http)) out.push(line(`  http ${k}`, g));
    for (const [k, g] of Object.entries(lane.by_header_mode)) out.push(line(`  header ${k}`, g));
    for (const [k, g] of Object.entries(lane.by_decision)) out.push(line(`  decision ${k}`, g));
    const errs = Object.entries(lane.err_types).map(([k, v]) => `${k}=${v}`).join(' ');
    if (errs) out.push(`  errors by type: ${errs}`);
  }
  out.push(line('all lanes', m.totals));
  const share = m.haiku.offload_share === null ? 'n/a (no haiku requests)' : `${(m.haiku.offload_share * 100).toFixed(1)}%`;
  out.push('');
  out.push(`haiku offloaded to zai: ${share} (${m.haiku.answered_on_zai} of ${m.haiku.requests} haiku requests)`);
  out.push(`source: ${m.source.lines} lines in ${m.source.files.length} file(s); malformed ${m.source.malformed}, ignored ${m.source.ignored}, outside window ${m.source.outside_window}`);
  if (m.decisions_without_completion) out.push(`in flight or lost: ${m.decisions_without_completion} decision(s) without a completion line`);
  out.push('times in ms; percentiles are exact nearest-rank over every completed attempt');
  return out.join('\n');
}

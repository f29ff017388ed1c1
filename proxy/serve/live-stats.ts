// What the dashboard and the Prometheus endpoint show: recent requests and per-lane figures, kept in
// bounded memory, fed by the router's completion events.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Samples } from '../common/percentiles.js';
import type { UsageRecord } from '../common/log-schema.js';

const RECENT = 100;
const WINDOW = 1000;

interface LaneFigures {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  latency: number[];
  ttft: number[];
}

export interface LiveSnapshot {
  lanes: Record<string, { requests: number; errors: number; tokens: { input: number; output: number; cache_read: number }; latency_ms: { p50?: number; p95?: number }; ttft_ms: { p50?: number; p95?: number } }>;
  errors_by_type: Record<string, number>;
  decisions: Record<string, number>;
  recent: Pick<UsageRecord, 'ts' | 'rid' | 'attempt' | 'model' | 'path' | 'lane' | 'decision' | 'status' | 'err_type' | 'ttft_ms' | 'latency_ms' | 'input_tokens' | 'output_tokens'>[];
}

function quantiles(xs: number[]): { p50?: number; p95?: number } {
  const s = new Samples();
  for (const x of xs) s.push(x);
  const q = s.quantiles();
  return { ...(q.p50 !== undefined ? { p50: q.p50 } : {}), ...(q.p95 !== undefined ? { p95: q.p95 } : {}) };
}

export class LiveStats {
  private readonly lanes = new Map<string, LaneFigures>();
  private readonly errorsByType = new Map<string, number>();
  private readonly decisions = new Map<string, number>();
  private readonly recent: LiveSnapshot['recent'] = [];
  private readonly listeners = new Set<(r: LiveSnapshot['recent'][number]) => void>();
  readonly registry = new Registry();
  private readonly mRequests = new Counter({ name: 'ccp_requests_total', help: 'Completed upstream attempts', labelNames: ['lane', 'decision', 'status_class'], registers: [this.registry] });
  private readonly mErrors = new Counter({ name: 'ccp_errors_total', help: 'Failed attempts by error type', labelNames: ['lane', 'err_type'], registers: [this.registry] });
  private readonly mTokens = new Counter({ name: 'ccp_tokens_total', help: 'Tokens reported by the upstream', labelNames: ['lane', 'kind'], registers: [this.registry] });
  private readonly mLatency = new Histogram({ name: 'ccp_latency_seconds', help: 'Request start to last byte', labelNames: ['lane'], buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers: [this.registry] });
  private readonly mTtft = new Histogram({ name: 'ccp_ttft_seconds', help: 'Request start to first content delta', labelNames: ['lane'], buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [this.registry] });
  readonly mPaused = new Gauge({ name: 'ccp_offload_paused', help: '1 while Haiku offload is paused', registers: [this.registry] });
  readonly mCooldown = new Gauge({ name: 'ccp_zai_cooldown_seconds', help: 'Seconds left in the Z.AI cooldown', registers: [this.registry] });

  add(r: UsageRecord): void {
    let lane = this.lanes.get(r.lane);
    if (!lane) this.lanes.set(r.lane, (lane = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, latency: [], ttft: [] }));
    lane.requests++;
    if (r.err_type) {
      lane.errors++;
      this.errorsByType.set(r.err_type, (this.errorsByType.get(r.err_type) ?? 0) + 1);
      this.mErrors.inc({ lane: r.lane, err_type: r.err_type });
    }
    this.decisions.set(r.decision, (this.decisions.get(r.decision) ?? 0) + 1);
    lane.input_tokens += r.input_tokens ?? 0;
    lane.output_tokens += r.output_tokens ?? 0;
    lane.cache_read_input_tokens += r.cache_read_input_tokens ?? 0;
    if (r.latency_ms !== undefined) {
      lane.latency.push(r.latency_ms);
      if (lane.latency.length > WINDOW) lane.latency.shift();
      this.mLatency.observe({ lane: r.lane }, r.latency_ms / 1000);
    }
    if (r.ttft_ms !== undefined) {
      lane.ttft.push(r.ttft_ms);
      if (lane.ttft.length > WINDOW) lane.ttft.shift();
      this.mTtft.observe({ lane: r.lane }, r.ttft_ms / 1000);
    }
    const status = r.status ?? 0;
    this.mRequests.inc({ lane: r.lane, decision: r.decision, status_class: status === 0 ? 'none' : `${Math.floor(status / 100)}xx` });
    for (const [kind, v] of [['input', r.input_tokens], ['output', r.output_tokens], ['cache_read', r.cache_read_input_tokens], ['cache_creation', r.cache_creation_input_tokens]] as const) {
      if (v) this.mTokens.inc({ lane: r.lane, kind }, v);
    }
    const row = {
      ts: r.ts,
      rid: r.rid,
      attempt: r.attempt,
      lane: r.lane,
      decision: r.decision,
      ...(r.model !== undefined ? { model: r.model } : {}),
      path: r.path,
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.err_type ? { err_type: r.err_type } : {}),
      ...(r.ttft_ms !== undefined ? { ttft_ms: r.ttft_ms } : {}),
      ...(r.latency_ms !== undefined ? { latency_ms: r.latency_ms } : {}),
      ...(r.input_tokens !== undefined ? { input_tokens: r.input_tokens } : {}),
      ...(r.output_tokens !== undefined ? { output_tokens: r.output_tokens } : {}),
    };
    this.recent.unshift(row);
    if (this.recent.length > RECENT) this.recent.pop();
    for (const l of this.listeners) l(row);
  }

  snapshot(): LiveSnapshot {
    const lanes: LiveSnapshot['lanes'] = {};
    for (const [name, l] of this.lanes) {
      lanes[name] = {
        requests: l.requests,
        errors: l.errors,
        tokens: { input: l.input_tokens, output: l.output_tokens, cache_read: l.cache_read_input_tokens },
        latency_ms: quantiles(l.latency),
        ttft_ms: quantiles(l.ttft),
      };
    }
    return { lanes, errors_by_type: Object.fromEntries(this.errorsByType), decisions: Object.fromEntries(this.decisions), recent: [...this.recent] };
  }

  /** Completed attempts per lane and failed ones in all, for the status endpoint. */
  counts(): { zai: number; anthropic: number; errors: number } {
    let errors = 0;
    for (const l of this.lanes.values()) errors += l.errors;
    return { zai: this.lanes.get('zai')?.requests ?? 0, anthropic: this.lanes.get('anthropic')?.requests ?? 0, errors };
  }

  /** Live updates for the dashboard's event stream; returns the unsubscribe function. */
  subscribe(fn: (r: LiveSnapshot['recent'][number]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

// What the dashboard and the Prometheus endpoint show: recent requests and per-lane figures, kept in
// bounded memory, fed by the router's completion events.
import { Counter, Histogram, Registry } from './prom-parts.js';
import { StateGauges, type StateSources } from './state-gauges.js';
import { Samples } from '../../common/percentiles.js';
import type { UsageRecord } from '../../common/log-schema.js';
import { attemptCost, decimalUsd, savedBy, shippedPricing, usd, type Pricing } from '../../common/cost.js';
import { kindOfWork, neverMoves } from '../../common/work-kind.js';

const RECENT = 100;
const WINDOW = 1000;
/** Distinct model labels on the Prometheus series; more (a client inventing ids) share "other". */
const MAX_MODEL_LABELS = 50;

interface LaneFigures {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  latency: number[];
  ttft: number[];
  /** Pico-dollars this lane cost since start, and attempts with tokens but no price. */
  cost: bigint;
  noPrice: number;
  /** Z.AI lane: what its attempts saved against their Claude price (pico-dollars). */
  saved: bigint;
}

/** Money on the dashboard: the exact decimal and a number. */
export interface LiveMoney {
  usd: number;
  exact: string;
}

export interface LiveSnapshot {
  lanes: Record<
    string,
    {
      requests: number;
      errors: number;
      tokens: { input: number; output: number; cache_read: number };
      latency_ms: { p50?: number; p95?: number };
      ttft_ms: { p50?: number; p95?: number };
      cost: LiveMoney & { no_price: number };
      saved?: LiveMoney;
    }
  >;
  /** Completed attempts and cost per Claude Code request class (x-claude-code-request-class) and lane. */
  by_class: Record<string, Record<string, { attempts: number; cost: LiveMoney }>>;
  /**
   * Per kind of work (main, each subagent type, auxiliary): attempts and cost per lane, and for work
   * that stayed on Anthropic although it could move, what moving it would have moved (attempts,
   * tokens, cost at the Z.AI lane's prices).
   */
  by_work: Record<
    string,
    {
      lanes: Record<string, { attempts: number; cost: LiveMoney }>;
      would_move?: { attempts: number; input: number; output: number; cost_on_zai: LiveMoney; no_price: number };
    }
  >;
  prices: string;
  zai_billing: Pricing['zaiBilling'];
  errors_by_type: Record<string, number>;
  decisions: Record<string, number>;
  recent: Pick<
    UsageRecord,
    | 'ts'
    | 'rid'
    | 'attempt'
    | 'model'
    | 'path'
    | 'lane'
    | 'decision'
    | 'status'
    | 'err_type'
    | 'ttft_ms'
    | 'latency_ms'
    | 'input_tokens'
    | 'output_tokens'
  >[];
}

function quantiles(xs: number[]): { p50?: number; p95?: number } {
  const s = new Samples();
  for (const x of xs) s.push(x);
  const q = s.quantiles();
  return { ...(q.p50 !== undefined ? { p50: q.p50 } : {}), ...(q.p95 !== undefined ? { p95: q.p95 } : {}) };
}

function money(pico: bigint): LiveMoney {
  return { usd: usd(pico), exact: decimalUsd(pico) };
}

export class LiveStats {
  private readonly lanes = new Map<string, LaneFigures>();
  private readonly byClass = new Map<string, Map<string, { attempts: number; cost: bigint }>>();
  private readonly byWork = new Map<
    string,
    {
      lanes: Map<string, { attempts: number; cost: bigint }>;
      move?: { attempts: number; input: number; output: number; cost: bigint; noPrice: number };
    }
  >();
  private readonly modelLabels = new Set<string>();
  private readonly errorsByType = new Map<string, number>();
  private readonly decisions = new Map<string, number>();
  private readonly recent: LiveSnapshot['recent'] = [];
  private readonly listeners = new Set<(r: LiveSnapshot['recent'][number]) => void>();
  readonly registry = new Registry();
  private readonly mRequests = new Counter({
    name: 'ccp_requests_total',
    help: 'Completed upstream attempts',
    labelNames: ['lane', 'decision', 'status_class'],
    registers: [this.registry],
  });
  private readonly mErrors = new Counter({
    name: 'ccp_errors_total',
    help: 'Failed attempts by error type',
    labelNames: ['lane', 'err_type'],
    registers: [this.registry],
  });
  private readonly mTokens = new Counter({
    name: 'ccp_tokens_total',
    help: 'Tokens reported by the upstream',
    labelNames: ['lane', 'kind'],
    registers: [this.registry],
  });
  private readonly mLatency = new Histogram({
    name: 'ccp_latency_seconds',
    help: 'Request start to last byte',
    labelNames: ['lane'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly mTtft = new Histogram({
    name: 'ccp_ttft_seconds',
    help: 'Request start to first content delta',
    labelNames: ['lane'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly mCost = new Counter({
    name: 'ccp_cost_usd_total',
    help: 'What the completed attempts cost at list prices (docs/COST.md), US dollars',
    labelNames: ['lane', 'model'],
    registers: [this.registry],
  });
  private readonly mSaved = new Counter({
    name: 'ccp_saved_usd_total',
    help: 'Z.AI-lane attempts at their Claude price minus their Z.AI cost, US dollars',
    labelNames: ['model'],
    registers: [this.registry],
  });
  private readonly mNoPrice = new Counter({
    name: 'ccp_unpriced_attempts_total',
    help: 'Attempts with tokens whose model has no price (left out of ccp_cost_usd_total)',
    labelNames: ['lane', 'model'],
    registers: [this.registry],
  });
  private readonly mModelTokens = new Counter({
    name: 'ccp_model_tokens_total',
    help: 'Tokens reported by the upstream, by lane and requested model',
    labelNames: ['lane', 'model', 'kind'],
    registers: [this.registry],
  });

  constructor(private readonly pricing: Pricing = shippedPricing()) {}

  /** The gauges of the live state (pause, cooldown, quota, subscription), read from their owners when collected. */
  watchState(sources: StateSources): void {
    new StateGauges(this.registry, sources);
  }

  /** A bounded model label: the first MAX_MODEL_LABELS ids as they are, later ones "other". */
  private modelLabel(model: string | undefined): string {
    const m = model ?? 'none';
    if (this.modelLabels.has(m)) return m;
    if (this.modelLabels.size >= MAX_MODEL_LABELS) return 'other';
    this.modelLabels.add(m);
    return m;
  }

  private addCost(r: UsageRecord, lane: LaneFigures): void {
    const c = attemptCost(r, this.pricing);
    const model = this.modelLabel(r.model);
    if (c.cost === undefined) {
      lane.noPrice++;
      this.mNoPrice.inc({ lane: r.lane, model });
    } else {
      lane.cost += c.cost;
      if (c.cost > 0n) this.mCost.inc({ lane: r.lane, model }, usd(c.cost));
      this.addClassCost(r, c.cost);
    }
    this.addWork(r, c.cost ?? 0n);
    const saved = r.lane === 'zai' ? savedBy(c) : undefined;
    if (saved !== undefined) {
      lane.saved += saved;
      if (saved > 0n) this.mSaved.inc({ model }, usd(saved));
    }
    for (const [kind, v] of [
      ['input', c.tokens.input],
      ['output', c.tokens.output],
      ['cache_read', c.tokens.cache_read],
      ['cache_write', c.tokens.cache_write_5m + c.tokens.cache_write_1h + c.tokens.cache_write_unsplit],
    ] as const) {
      if (v) this.mModelTokens.inc({ lane: r.lane, model, kind }, v);
    }
  }

  /** Per kind of work; kinds past the label bound share "other". */
  private addWork(r: UsageRecord, cost: bigint): void {
    let kind = kindOfWork(r) ?? '(none)';
    if (!this.byWork.has(kind) && this.byWork.size >= MAX_MODEL_LABELS) kind = 'other';
    let w = this.byWork.get(kind);
    if (!w) this.byWork.set(kind, (w = { lanes: new Map() }));
    const row = w.lanes.get(r.lane) ?? { attempts: 0, cost: 0n };
    row.attempts++;
    row.cost += cost;
    w.lanes.set(r.lane, row);
    if (neverMoves(kind, r)) return;
    w.move ??= { attempts: 0, input: 0, output: 0, cost: 0n, noPrice: 0 };
    if (r.lane !== 'anthropic') return;
    const onZai = attemptCost({ ...r, lane: 'zai' }, this.pricing);
    const t = onZai.tokens;
    w.move.attempts++;
    w.move.input += t.input + t.cache_read + t.cache_write_5m + t.cache_write_1h + t.cache_write_unsplit;
    w.move.output += t.output;
    if (onZai.cost === undefined) w.move.noPrice++;
    else w.move.cost += onZai.cost;
  }

  /** Cost per request class and lane; classes past the label bound share "other". */
  private addClassCost(r: UsageRecord, cost: bigint): void {
    let cls = r.request_class ?? '(none)';
    if (!this.byClass.has(cls) && this.byClass.size >= MAX_MODEL_LABELS) cls = 'other';
    let byLane = this.byClass.get(cls);
    if (!byLane) this.byClass.set(cls, (byLane = new Map()));
    const row = byLane.get(r.lane) ?? { attempts: 0, cost: 0n };
    row.attempts++;
    row.cost += cost;
    byLane.set(r.lane, row);
  }

  add(r: UsageRecord): void {
    let lane = this.lanes.get(r.lane);
    if (!lane)
      this.lanes.set(
        r.lane,
        (lane = {
          requests: 0,
          errors: 0,
          input_tokens: 0,
          output_tokens: 0,
          cache_read_input_tokens: 0,
          latency: [],
          ttft: [],
          cost: 0n,
          noPrice: 0,
          saved: 0n,
        }),
      );
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
    this.addCost(r, lane);
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
    this.mRequests.inc({
      lane: r.lane,
      decision: r.decision,
      status_class: status === 0 ? 'none' : `${Math.floor(status / 100)}xx`,
    });
    for (const [kind, v] of [
      ['input', r.input_tokens],
      ['output', r.output_tokens],
      ['cache_read', r.cache_read_input_tokens],
      ['cache_creation', r.cache_creation_input_tokens],
    ] as const) {
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
        cost: { ...money(l.cost), no_price: l.noPrice },
        ...(name === 'zai' ? { saved: money(l.saved) } : {}),
      };
    }
    const byClass: LiveSnapshot['by_class'] = {};
    for (const [cls, m] of this.byClass)
      byClass[cls] = Object.fromEntries(
        [...m].map(([lane, v]) => [lane, { attempts: v.attempts, cost: money(v.cost) }]),
      );
    const byWork: LiveSnapshot['by_work'] = {};
    for (const [kind, w] of this.byWork)
      byWork[kind] = {
        lanes: Object.fromEntries(
          [...w.lanes].map(([lane, v]) => [lane, { attempts: v.attempts, cost: money(v.cost) }]),
        ),
        ...(w.move
          ? {
              would_move: {
                attempts: w.move.attempts,
                input: w.move.input,
                output: w.move.output,
                cost_on_zai: money(w.move.cost),
                no_price: w.move.noPrice,
              },
            }
          : {}),
      };
    return {
      lanes,
      by_class: byClass,
      by_work: byWork,
      prices: this.pricing.book.origin,
      zai_billing: this.pricing.zaiBilling,
      errors_by_type: Object.fromEntries(this.errorsByType),
      decisions: Object.fromEntries(this.decisions),
      recent: [...this.recent],
    };
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

// The running proxy's own endpoints: where they are, and the /__ccp/status answer (built by the proxy,
// read by status, doctor, bundle and tests).
import type { RunRecord } from './log-schema.js';

/** The live dashboard of the proxy on `port`. */
export function dashboardUrl(port: number): string {
  return `http://127.0.0.1:${port}/__ccp/`;
}

/** The Anthropic subscription's windows, as the status reports them and serve/upstream/subscription-limits.ts parses them from the wire. */
export interface SubscriptionStatus {
  seen_at: string;
  status?: string;
  resets_at?: string;
  representative_claim?: string;
  overage_status?: string;
  windows: { name: string; utilization?: number; resets_at?: string; status?: string; surpassed_threshold?: number }[];
}

/**
 * The busiest of the subscription's windows that meter its use (5h, 7d, …; not `overage`, which is
 * extra usage beyond them), as a percentage; undefined while no window reports a utilization.
 */
export function busiestWindow(s: SubscriptionStatus | undefined): { name: string; pct: number } | undefined {
  let best: { name: string; pct: number } | undefined;
  for (const w of s?.windows ?? []) {
    if (w.name === 'overage' || w.utilization === undefined) continue;
    const pct = Math.round(w.utilization * 1000) / 10;
    if (!best || pct > best.pct) best = { name: w.name, pct };
  }
  return best;
}

/** One window of the Z.AI plan's quota (serve/lane/zai-quota.ts reads them). */
export interface QuotaWindowStatus {
  /** e.g. "tokens 5h", "tokens week", "tools month" */
  name: string;
  /** TOKENS_LIMIT (model tokens, older plans), CREDIT_LIMIT (credits, plans sold since 2026-07-30) or TIME_LIMIT (tool calls), as Z.AI names them. */
  type: string;
  used_pct: number;
  /** What the window allows and what is used of it, when Z.AI says (credits for CREDIT_LIMIT, calls for TIME_LIMIT). */
  allowance?: number;
  used?: number;
  resets_at?: string;
}

/** The Z.AI plan's quota as last read. `error` set: the last read failed, so the quota is unknown now. */
export interface QuotaStatus {
  read_at?: string;
  level?: string;
  windows: QuotaWindowStatus[];
  /** Since when reads fail (absent after a good read). */
  unknown_since?: string;
  error?: string;
}

/** The windows that meter model use: tokens on older plans, credits on the plans sold since 2026-07-30. */
export const MODEL_WINDOW_TYPES: readonly string[] = ['TOKENS_LIMIT', 'CREDIT_LIMIT'];

/** The model-use windows used up to `stopPct` (0: none ever): the ones that keep Haiku off Z.AI. Tool windows never do. */
export function exhaustedWindows(q: Pick<QuotaStatus, 'windows'>, stopPct: number): QuotaWindowStatus[] {
  return stopPct > 0 ? q.windows.filter((w) => MODEL_WINDOW_TYPES.includes(w.type) && w.used_pct >= stopPct) : [];
}

/** Where the proxy pushes its metrics (remote_write) and how the last push went. */
export interface RemoteWriteStatus {
  /** Scheme, host and path (never credentials). */
  target: string;
  last_push_at: string | null;
  last_ok: boolean | null;
  /** The last failure, in one line (status and the receiver's words, or the network error). */
  last_error: string | null;
  failing_since: string | null;
  series_sent: number;
}

/** GET /__ccp/status. */
export interface ProxyStatus {
  pid: number;
  port: number;
  started_at: string;
  paused: boolean;
  zai_cooldown_until: string | null;
  zai_cooldown_why: string | null;
  /** rate | quota | auth | plan | model | overload | network */
  zai_cooldown_reason: string | null;
  /** Top-level fields Z.AI refused ("Extra inputs are not permitted"), dropped from its requests for this run. */
  zai_dropped_fields: string[];
  zai_header_mode: string;
  /**
   * The Z.AI lane's in-flight requests and limit: `limit` null while none is known; `from` set
   * (CCP_ZAI_MAX_INFLIGHT), learned (Z.AI's 1302 refusals) or unknown; refusals and requests kept on
   * Anthropic for capacity since start. Absent from proxies older than the field.
   */
  zai_inflight?: { now: number; limit: number | null; from: string; refusals: number; kept_off: number };
  force_haiku_to_zai: boolean;
  /** What goes to the Z.AI lane now: `haiku`, `subagents`, both (comma list), or '' for nothing. */
  offload: string;
  /** CCP_REMOTE_WRITE_URL set: where it pushes and how the last push went; null when off. */
  remote_write?: RemoteWriteStatus | null;
  /** CCP_OFFLOAD_AT_PCT in force (0: subagents move whatever the subscription window); absent from older proxies. */
  offload_at_pct?: number;
  /** CCP_OVERFLOW=main and the subscription's window spent: which, and until when (requests on Z.AI meanwhile). */
  overflow?: { window: string; until: string } | null;
  zai_key_set: boolean;
  zai_base_url: string;
  anth_base_url: string;
  force_h1: boolean;
  filter_chain: boolean;
  log_path: string;
  ca_fingerprint: string;
  requests: { zai: number; anthropic: number; errors: number };
  /** The Anthropic subscription's windows from the last answer that carried them (null before one did). */
  subscription: SubscriptionStatus | null;
  /** The Z.AI plan's quota (null before the first read, or when reading is off). */
  zai_quota: QuotaStatus | null;
  /** CCP_ZAI_QUOTA_STOP_PCT (0: never stops). */
  zai_quota_stop_pct: number;
  memory: { rss: number; heap_used: number; array_buffers: number };
  /** What this proxy runs with: its run line (also the first line of its run in the usage log). */
  run?: RunRecord;
}

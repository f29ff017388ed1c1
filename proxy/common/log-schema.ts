// The usage log's line format (docs/METRICS-SCHEMA.md), shared by the writer in the running proxy and every reader.
import type { HeaderMode } from './config.js';

export type Lane = 'zai' | 'anthropic';
export type Decision =
  | 'forced_model'
  | 'failover_paused'
  | 'offload_off'
  | 'no_zai_key'
  | 'cooldown'
  | 'fallback'
  | 'account_probe'
  | 'subagent_to_zai'
  /** CCP_OVERFLOW=main: the Anthropic subscription's window is spent (until its reset): on Z.AI instead. */
  | 'overflow_to_zai'
  /** A subagent's request that CCP_OFFLOAD_AT_PCT keeps on Anthropic: its subscription window is below the threshold. */
  | 'below_threshold'
  /** Would have gone to Z.AI, but the lane had every in-flight slot taken (zai-capacity.ts) → Anthropic. */
  | 'zai_busy'
  /** Would have gone to Z.AI, but it continues a Message Thread Anthropic holds → Anthropic. */
  | 'thread_stays'
  /** Continues a Message Thread whose last answer came from Z.AI: refused by the proxy so the client resends it whole. */
  | 'thread_refused'
  | 'pass_through';

export const SCHEMA_VERSION = 1;

export type ErrType =
  | '401'
  | '429'
  | '5xx'
  | '4xx'
  | 'net'
  | 'timeout'
  | 'client_abort'
  | 'stream_error'
  | 'bad_request'
  | 'shutdown'
  /** The proxy died with this request in flight (kill -9, a crash); written by the next proxy at its start. */
  | 'proxy_died';

/** Every field a line may carry. Absent when unknown, never invented. docs/METRICS-SCHEMA.md documents each one. */
export interface UsageRecord {
  v: typeof SCHEMA_VERSION;
  event: 'decision' | 'complete';
  ts: number;
  rid: string;
  attempt: number;
  lane: Lane;
  /** Absent when the proxy answered without choosing an upstream (e.g. malformed HTTP). */
  upstream?: string;
  model?: string;
  upstream_model?: string;
  /** The model the answer names (its `model`), when it differs from the requested one: what Z.AI really ran. */
  served_model?: string;
  decision: Decision;
  reason?: string;
  path: string;
  op?: 'stream' | 'nonstream';
  status?: number;
  err_type?: ErrType;
  error?: string;
  latency_ms?: number;
  ttfb_ms?: number;
  ttft_ms?: number;
  stream_ms?: number;
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** Cache writes with the 5-minute and the 1-hour lifetime, when the upstream splits them (priced apart). */
  cache_creation_5m_input_tokens?: number;
  cache_creation_1h_input_tokens?: number;
  stop_reason?: string;
  sse_events?: number;
  req_bytes?: number;
  resp_bytes?: number;
  h2?: boolean;
  header_mode?: HeaderMode;
  retry?: boolean;
  fallback_from?: Lane;
  paused?: boolean;
  request_id?: string;
  thinking_removed?: number;
  /** The Anthropic lane changed the request's `thinking` setting (a repair of cross-lane history). */
  thinking_disabled?: boolean;
  /** This attempt was sent again on a fresh connection after a kept-alive one turned out dead. */
  redial?: boolean;
  /** Top-level fields removed from the body for Z.AI, because it answered "Extra inputs are not permitted". */
  zai_dropped_fields?: string[];
  /** Why the Z.AI lane was cooling down, on requests the cooldown kept on Anthropic. */
  cooldown_reason?: 'rate' | 'quota' | 'auth' | 'plan' | 'model' | 'overload' | 'network';
  /** What went wrong on the Z.AI lane, on a Z.AI attempt that failed (and on the fallback it caused). */
  zai_failure?: string;
  /**
   * On completion lines: true when this attempt's answer is the one that reached the client (or the
   * client left during it), false when a retry or fallback replaced it. Absent on older lines.
   */
  final?: boolean;
  /** The status the proxy itself answered with, when it answered instead of relaying this attempt's answer. */
  proxy_status?: number;
  /** Claude Code's session id (`x-claude-code-session-id`): which session spent it. An identifier, not a secret. */
  session?: string;
  /** Claude Code's request class (`x-claude-code-request-class`, e.g. `main`). */
  request_class?: string;
  /** The client's own id for this request (`x-client-request-id`), to find it in Claude Code's logs. */
  client_request_id?: string;
  /** A Claude Code subagent's id (`x-claude-code-agent-id`); absent on the main thread. */
  agent_id?: string;
  /** The parent subagent's id on a nested subagent (`x-claude-code-parent-agent-id`). */
  parent_agent_id?: string;
  /** The subagent's type (`x-claude-code-agent-type`, e.g. `general-purpose`, `Explore`). */
  agent_type?: string;
}

/** Every field name of UsageRecord, at run time (docs/METRICS-SCHEMA.md is tested against it). */
export const USAGE_RECORD_FIELDS = [
  'v',
  'event',
  'ts',
  'rid',
  'attempt',
  'lane',
  'upstream',
  'model',
  'upstream_model',
  'served_model',
  'decision',
  'reason',
  'path',
  'op',
  'status',
  'err_type',
  'error',
  'latency_ms',
  'ttfb_ms',
  'ttft_ms',
  'stream_ms',
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'cache_creation_5m_input_tokens',
  'cache_creation_1h_input_tokens',
  'stop_reason',
  'sse_events',
  'req_bytes',
  'resp_bytes',
  'h2',
  'header_mode',
  'retry',
  'fallback_from',
  'paused',
  'request_id',
  'thinking_removed',
  'thinking_disabled',
  'redial',
  'zai_dropped_fields',
  'cooldown_reason',
  'zai_failure',
  'final',
  'proxy_status',
  'session',
  'request_class',
  'client_request_id',
  'agent_id',
  'parent_agent_id',
  'agent_type',
] as const satisfies readonly (keyof UsageRecord)[];
// Compile-time: the list above names every field of UsageRecord.
const allFieldsListed: Exclude<keyof UsageRecord, (typeof USAGE_RECORD_FIELDS)[number]> extends never ? true : false =
  true;
void allFieldsListed;

/**
 * What a proxy ran with, written as the first line of its run (and again at the top of each file after
 * a rotation), so the readers judge the requests that follow by the settings that were really in force,
 * not by the reading shell's. No secret: only whether the Z.AI key was set.
 */
export interface RunSettings {
  zai_base_url: string;
  /** host[:port] of zai_base_url, as the completion lines' `upstream` spells it. */
  zai_host: string;
  anth_base_url: string;
  anth_host: string;
  /** ZAI_MODEL_MAP as `match=target` pairs, '' for none. */
  zai_model_map: string;
  zai_key_set: boolean;
  zai_header_mode: HeaderMode;
  force_haiku_to_zai: boolean;
  /** What goes to the Z.AI lane (CCP_OFFLOAD as in force): `haiku`, `subagents`, both, or '' for nothing. */
  offload: string;
  /** CCP_OFFLOAD_AT_PCT in force: subagents move only at or above this subscription use (0: always). */
  offload_at_pct: number;
  /** CCP_OVERFLOW in force: `main` (requests go to Z.AI while the subscription's window is spent) or ''. */
  overflow: string;
  /** Paused at start, and what decided it (run-time pause/resume show on each line's `paused`). */
  paused: boolean;
  paused_from: 'shell' | 'remembered' | '.env' | 'default';
  fallback: boolean;
  force_h1: boolean;
  filter_chain: boolean;
  body_tee: boolean;
  zai_billing: string;
  zai_cooldown_s: number;
  zai_long_cooldown_s: number;
  zai_quota_stop_pct: number;
  /** CCP_ZAI_MAX_INFLIGHT; 0 when the limit is learned from Z.AI's concurrency refusals. */
  zai_max_inflight: number;
}

export interface RunRecord extends RunSettings {
  v: typeof SCHEMA_VERSION;
  event: 'run';
  ts: number;
  pid: number;
  port: number;
  started_at: string;
}

/** Every field name of RunRecord, at run time (docs/METRICS-SCHEMA.md is tested against it). */
export const RUN_RECORD_FIELDS = [
  'v',
  'event',
  'ts',
  'pid',
  'port',
  'started_at',
  'zai_base_url',
  'zai_host',
  'anth_base_url',
  'anth_host',
  'zai_model_map',
  'zai_key_set',
  'zai_header_mode',
  'force_haiku_to_zai',
  'offload',
  'offload_at_pct',
  'overflow',
  'paused',
  'paused_from',
  'fallback',
  'force_h1',
  'filter_chain',
  'body_tee',
  'zai_billing',
  'zai_cooldown_s',
  'zai_long_cooldown_s',
  'zai_quota_stop_pct',
  'zai_max_inflight',
] as const satisfies readonly (keyof RunRecord)[];
const allRunFieldsListed: Exclude<keyof RunRecord, (typeof RUN_RECORD_FIELDS)[number]> extends never ? true : false =
  true;
void allRunFieldsListed;

/** One line. JSON.stringify already leaves out undefined fields, so "absent" means unknown. */
export function serializeRecord(rec: UsageRecord | RunRecord): string {
  return `${JSON.stringify(rec)}\n`;
}

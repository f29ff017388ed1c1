// What `npm run status` prints about a running proxy. Pure: the status and the colours are passed in.
import type { Colors } from '../common/colors.js';
import { busiestWindow, dashboardUrl, type ProxyStatus } from '../common/proxy-status.js';

/** The Anthropic subscription's windows, as its last answer on the Anthropic lane reported them. */
function subscriptionLines(s: ProxyStatus): string[] {
  const sub = s.subscription;
  if (!sub)
    return ['  anthropic    subscription windows not seen yet (they come with answers to subscription requests)'];
  const windows = sub.windows.map(
    (w) =>
      `${w.name} ${w.utilization !== undefined ? `${Math.round(w.utilization * 100)}%` : '?'}` +
      `${w.resets_at ? ` resets ${w.resets_at}` : ''}${w.status ? ` (${w.status})` : ''}`,
  );
  return [
    `  subscription ${sub.status ?? '?'}${sub.representative_claim ? `, limited by ${sub.representative_claim}` : ''}; ` +
      `${windows.join('; ') || 'no windows'} (as of ${sub.seen_at})`,
  ];
}

/** The Z.AI plan's quota in one line: each window's use and reset, or why it is unknown. */
export function quotaLine(s: Pick<ProxyStatus, 'zai_quota' | 'zai_quota_stop_pct' | 'zai_key_set'>): string {
  const q = s.zai_quota;
  if (!s.zai_key_set) return 'not read (no ZAI_API_KEY)';
  if (!q) return 'not read yet (read at start and after Z.AI answers; CCP_ZAI_QUOTA_POLL_S=0 turns it off)';
  const windows = q.windows
    .map(
      (w) =>
        `${w.name} ${w.used_pct}%` +
        (w.type === 'CREDIT_LIMIT' && w.allowance !== undefined && w.used !== undefined
          ? ` (${w.used} of ${w.allowance} credits)`
          : '') +
        `${w.resets_at ? ` resets ${w.resets_at}` : ''}`,
    )
    .join('; ');
  const stop =
    s.zai_quota_stop_pct > 0
      ? `stops Haiku at ${s.zai_quota_stop_pct}%`
      : 'never stops Haiku (CCP_ZAI_QUOTA_STOP_PCT=0)';
  if (q.error)
    return `quota unknown since ${q.unknown_since} (${q.error}); routing unchanged${windows ? `; last read ${q.read_at ?? '?'}: ${windows}` : ''}`;
  return `${q.level ? `plan ${q.level}: ` : ''}${windows} (read ${q.read_at}; ${stop})`;
}

/** The Z.AI lane's in-flight requests against its limit, and what Z.AI's concurrency limit did since start. */
export function inflightLine(s: Pick<ProxyStatus, 'zai_inflight'>): string {
  const f = s.zai_inflight;
  if (!f) return 'not reported by this proxy';
  const limit =
    f.limit === null
      ? 'no limit known yet (learned from Z.AI’s first 1302; CCP_ZAI_MAX_INFLIGHT sets one)'
      : `limit ${f.limit} (${f.from === 'set' ? 'CCP_ZAI_MAX_INFLIGHT' : 'learned from Z.AI’s 1302 refusals'})`;
  return `${f.now} in flight, ${limit}; since start ${f.refusals} concurrency refusal(s), ${f.kept_off} request(s) kept on Anthropic for capacity`;
}

/** CCP_OFFLOAD_AT_PCT against the subscription's busiest window now: whether subagents move. */
export function thresholdLine(s: Pick<ProxyStatus, 'offload_at_pct' | 'subscription'>): string {
  const at = s.offload_at_pct ?? 0;
  const b = busiestWindow(s.subscription ?? undefined);
  const now = b
    ? `anthropic ${b.name} at ${b.pct} %`
    : 'anthropic window not known yet (no subscription answer since start)';
  const moving = b !== undefined && b.pct >= at;
  return `subagents move at ${at} % (CCP_OFFLOAD_AT_PCT; npm run offload -- --at N): ${now} → ${moving ? 'moving to z.ai' : 'staying on anthropic'}`;
}

/** Where the metrics are pushed and how the last push went. */
export function remoteWriteLine(r: NonNullable<ProxyStatus['remote_write']>): string {
  if (!r.last_push_at) return `${r.target}: no push yet`;
  return r.last_ok
    ? `${r.target}: last push ${r.last_push_at} ok (${r.series_sent} series)`
    : `${r.target}: last push ${r.last_push_at} FAILED (${r.last_error}), failing since ${r.failing_since}; retrying with backoff`;
}

export function formatStatus(s: ProxyStatus, c: Colors, nowMs = Date.now()): string {
  const upS = Math.round((nowMs - Date.parse(s.started_at)) / 1000);
  return [
    c.green(`ccp: running (pid ${s.pid}) on http://127.0.0.1:${s.port}, up ${upS}s`),
    `  offload      ${s.paused ? c.yellow('PAUSED (nothing moves to z.ai; npm run resume)') : 'on'}   ` +
      `what moves: ${s.offload || 'nothing'} (CCP_OFFLOAD; npm run offload -- --subagents on|off)`,
    ...(s.offload_at_pct ? [`  threshold    ${thresholdLine(s)}`] : []),
    ...(s.zai_cooldown_until
      ? [
          `  cooldown     ${c.yellow(`haiku on anthropic until ${s.zai_cooldown_until}`)} (${s.zai_cooldown_reason}: ${s.zai_cooldown_why})`,
        ]
      : []),
    ...(s.zai_dropped_fields?.length
      ? [`  zai fields   dropped for Z.AI (it refused them): ${s.zai_dropped_fields.join(', ')}`]
      : []),
    `  zai lane     ${s.zai_base_url}  key ${s.zai_key_set ? 'set' : 'NOT SET'}  header ${s.zai_header_mode}`,
    `  zai capacity ${inflightLine(s)}`,
    `  anthropic    ${s.anth_base_url}`,
    `  requests     zai ${s.requests.zai}, anthropic ${s.requests.anthropic}, errors ${s.requests.errors}`,
    `  zai quota    ${quotaLine(s)}`,
    ...(s.remote_write ? [`  remote write ${remoteWriteLine(s.remote_write)}`] : []),
    ...subscriptionLines(s),
    `  dashboard    ${dashboardUrl(s.port)}`,
    `  CA SHA-256   ${s.ca_fingerprint}`,
    `  usage log    ${s.log_path}`,
    `  terminal     source env/sub-env.sh ${s.port}`,
  ].join('\n');
}

// The Anthropic subscription's windows, from the `anthropic-ratelimit-unified-*` headers of an answer on
// the Anthropic lane (the same headers Claude Code reads to warn before a limit). Header names as the
// Claude Code 2.1.332 CLI reads them: per window `-{5h,7d,7d_oi,overage}-{utilization,reset,status,
// surpassed-threshold}` (utilization 0–1, reset in epoch seconds), and `-status`, `-reset`,
// `-representative-claim`, `-fallback`, `-overage-status` for the whole. Pure.

import type { SubscriptionStatus } from '../../common/proxy-status.js';

// The wire type is the status's own (common/proxy-status.ts): one type, read by status, doctor and the dashboard.
type SubscriptionWindow = SubscriptionStatus['windows'][number];

const PREFIX = 'anthropic-ratelimit-unified-';
const WINDOWS = ['5h', '7d', '7d_oi', 'overage'];

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function iso(epochSeconds: number | undefined): string | undefined {
  return epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000).toISOString();
}

/** The unified rate-limit headers among Node's flat rawHeaders (names lower-cased), or undefined when there are none. */
export function unifiedHeaders(raw: readonly string[]): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name.startsWith(PREFIX)) (out ??= {})[name] = raw[i + 1]!;
  }
  return out;
}

export function parseSubscriptionStatus(h: Record<string, string>, seenAt: Date): SubscriptionStatus {
  const get = (suffix: string) => h[PREFIX + suffix];
  const windows: SubscriptionWindow[] = [];
  for (const name of WINDOWS) {
    const w: SubscriptionWindow = { name };
    const utilization = num(get(`${name}-utilization`));
    const reset = iso(num(get(`${name}-reset`)));
    const status = get(`${name}-status`);
    const threshold = num(get(`${name}-surpassed-threshold`));
    if (utilization !== undefined) w.utilization = utilization;
    if (reset) w.resets_at = reset;
    if (status) w.status = status;
    if (threshold !== undefined) w.surpassed_threshold = threshold;
    if (Object.keys(w).length > 1) windows.push(w);
  }
  const status = get('status');
  const reset = iso(num(get('reset')));
  const claim = get('representative-claim');
  const overage = get('overage-status');
  return {
    seen_at: seenAt.toISOString(),
    ...(status ? { status } : {}),
    ...(reset ? { resets_at: reset } : {}),
    ...(claim ? { representative_claim: claim } : {}),
    ...(overage ? { overage_status: overage } : {}),
    windows,
  };
}

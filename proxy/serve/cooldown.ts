// When a Z.AI failure means "stop sending me Haiku for a while" (quota or concurrency). Pure.

/** Z.AI business codes for high concurrency (1302), high frequency (1303) and exhausted quota (1308–1310). */
export const ZAI_QUOTA_CODES: ReadonlySet<number> = new Set([1302, 1303, 1308, 1309, 1310]);

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, (t - nowMs) / 1000);
}

/** The business code in a Z.AI error body: {"error":{"code":"1302",…}} or {"code":1302,…}. */
export function zaiBusinessCode(body: string): number | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const err = o.error && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : undefined;
  const code = Number(err?.code ?? o.code);
  return Number.isInteger(code) ? code : undefined;
}

export interface CooldownDecision {
  seconds: number;
  why: string;
}

/** How long to keep Haiku off Z.AI after this answer; undefined when it is not a quota-type failure. */
export function cooldownFor(opts: { status: number; retryAfter?: string; body: string; configuredS: number; nowMs: number }): CooldownDecision | undefined {
  if (opts.configuredS <= 0) return undefined;
  const code = opts.status >= 400 ? zaiBusinessCode(opts.body) : undefined;
  const quotaCode = code !== undefined && ZAI_QUOTA_CODES.has(code);
  const retryAfter = opts.status >= 400 ? parseRetryAfter(opts.retryAfter, opts.nowMs) : undefined;
  if (opts.status !== 429 && !quotaCode && retryAfter === undefined) return undefined;
  const seconds = Math.max(opts.configuredS, retryAfter ?? 0);
  const why = [opts.status === 429 ? 'HTTP 429' : `HTTP ${opts.status}`, quotaCode ? `z.ai code ${code}` : '', retryAfter !== undefined ? `retry-after ${Math.round(retryAfter)}s` : '']
    .filter(Boolean)
    .join(', ');
  return { seconds, why };
}

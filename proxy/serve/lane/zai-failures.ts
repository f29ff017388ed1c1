// What a Z.AI error answer means for the lane (the failure contract, docs/ZAI.md). Pure: the answer's
// status, body and retry-after go in; what failed, how long to keep Haiku away, and what the client
// may be shown come out.

export type CooldownReason = 'rate' | 'quota' | 'auth' | 'plan' | 'model' | 'overload' | 'network';

/** What went wrong, for the log, the cooldown and the console. */
export type ZaiFailureCause =
  | 'busy'
  | 'auth'
  | 'unknown_fields'
  | 'rate'
  | 'overload'
  | 'quota'
  | 'plan'
  | 'model'
  | 'client'
  | 'network';

export interface CooldownPlan {
  reason: CooldownReason;
  /** Epoch ms until which Haiku stays on Anthropic. */
  untilMs: number;
  /** One line: why, in the words of the answer (status, code, retry-after, reset time). */
  why: string;
}

export interface ZaiFailure {
  cause: ZaiFailureCause;
  /** The business code in the body ("1310"), when there was one. */
  code?: number;
  /** Top-level request fields Z.AI named as unknown ("Extra inputs are not permitted"). */
  fields?: string[];
  cooldown?: CooldownPlan;
  /** With CCP_FALLBACK=0: relay the answer as Z.AI gave it, or answer 502 with `explain` (never a Z.AI 401/403). */
  withoutFallback: 'relay' | 'replace';
  /** What happened, in one line naming Z.AI: the 502's message and the console's alert. */
  explain: string;
  /** Said once, loudly, on the console: the user has to act (key, plan, model map). */
  loud: boolean;
}

export interface CooldownSettings {
  /** CCP_ZAI_COOLDOWN_S: rate, overload, network and quota without a reset time; 0 disables those. */
  shortS: number;
  /** CCP_ZAI_LONG_COOLDOWN_S: auth, plan and model; 0 disables those. */
  longS: number;
}

/** Z.AI business codes (docs.z.ai/api-reference/api-code, docs.bigmodel.cn/cn/api/api-code). */
const AUTH_CODES = new Set([1000, 1001, 1002, 1003, 1004]);
const PLAN_CODES = new Set([1113, 1309]);
const MODEL_CODES = new Set([1211, 1311]);
const QUOTA_CODES = new Set([1308, 1310]);
/**
 * Requests in flight, not a spent quota: 1302 "High concurrency usage of this API" and 1305 (traffic
 * limit) clear in seconds (zai-org/feedback #761). They fail one request, never the lane.
 */
const BUSY_CODES = new Set([1302, 1305]);
const RATE_CODES = new Set([1303, 1304]);
/** Fair-use block: lifted only on request to Z.AI (agenc-core PR #2491), so the long cooldown. */
const FAIR_USE_CODES = new Set([1313]);
const OVERLOAD_CODES = new Set([1312]);

/** A quota's reset time is believed up to this far ahead; beyond it (or unreadable) the short cooldown applies. */
const MAX_QUOTA_COOLDOWN_MS = 31 * 24 * 3600 * 1000;

/** Fields Z.AI might name that the request cannot go without: never dropped. */
const ESSENTIAL_FIELDS = new Set(['model', 'messages', 'max_tokens', 'stream']);

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, (t - nowMs) / 1000);
}

interface ErrorBody {
  code?: number;
  message: string;
}

/** The business code and message of a Z.AI (or Anthropic-shaped) error body: {"error":{"code":"1310","message":…}} or {"code":1310,…}. */
export function readErrorBody(body: string): ErrorBody {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return { message: '' };
  }
  if (!v || typeof v !== 'object') return { message: '' };
  const o = v as Record<string, unknown>;
  const err = o.error && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : undefined;
  const rawCode = err?.code ?? o.code;
  const code = typeof rawCode === 'string' || typeof rawCode === 'number' ? Number(rawCode) : NaN;
  const message =
    typeof err?.message === 'string'
      ? err.message
      : typeof o.message === 'string'
        ? o.message
        : typeof o.msg === 'string'
          ? o.msg
          : '';
  return { ...(Number.isInteger(code) && code >= 1000 ? { code } : {}), message };
}

/** "…reset at 2026-08-01 10:03:40…" is Beijing time (UTC+8) with no offset; epoch ms, or undefined. */
export function beijingResetTime(message: string): number | undefined {
  const m = /reset at (\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(message);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h - 8, mi, s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Top-level field names from "<field>: Extra inputs are not permitted" (also "body.<field>: …"); nested names are not ours to drop. */
export function unknownFields(message: string): string[] {
  const out: string[] = [];
  for (const m of message.matchAll(/([A-Za-z_][\w.]*)['"]?\s*:\s*Extra inputs are not permitted/g)) {
    const name = m[1]!.replace(/^body\./, '');
    if (!name.includes('.') && !ESSENTIAL_FIELDS.has(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

function shortCooldown(
  reason: CooldownReason,
  why: string,
  s: CooldownSettings,
  nowMs: number,
  retryAfterS?: number,
): CooldownPlan | undefined {
  if (s.shortS <= 0) return undefined;
  const seconds = Math.max(s.shortS, retryAfterS ?? 0);
  return {
    reason,
    untilMs: nowMs + seconds * 1000,
    why: retryAfterS !== undefined ? `${why}, retry-after ${Math.round(retryAfterS)}s` : why,
  };
}

function longCooldown(
  reason: CooldownReason,
  why: string,
  s: CooldownSettings,
  nowMs: number,
): CooldownPlan | undefined {
  return s.longS > 0 ? { reason, untilMs: nowMs + s.longS * 1000, why } : undefined;
}

/** The cooldown after Z.AI could not be reached at all (refused, DNS, TLS, timeout). */
export function networkFailure(error: string, s: CooldownSettings, nowMs: number): ZaiFailure {
  const cooldown = shortCooldown('network', `z.ai unreachable (${error})`, s, nowMs);
  return {
    cause: 'network',
    ...(cooldown ? { cooldown } : {}),
    withoutFallback: 'replace',
    explain: error,
    loud: false,
  };
}

export interface ZaiAnswer {
  status: number;
  body: string;
  retryAfter?: string;
}

/** Classify one Z.AI error answer (status ≥ 400). Business codes win over the HTTP status they came with. */
export function classifyZaiAnswer(a: ZaiAnswer, s: CooldownSettings, nowMs: number): ZaiFailure {
  const { code, message } = readErrorBody(a.body);
  const retryAfterS = parseRetryAfter(a.retryAfter, nowMs);
  const head = `HTTP ${a.status}${code !== undefined ? `, z.ai code ${code}` : ''}`;
  const withCode = code !== undefined ? { code } : {};
  const make = (
    cause: ZaiFailureCause,
    withoutFallback: 'relay' | 'replace',
    explain: string,
    cooldown: CooldownPlan | undefined,
    loud = false,
  ): ZaiFailure => ({
    cause,
    ...withCode,
    ...(cooldown ? { cooldown } : {}),
    withoutFallback,
    explain,
    loud,
  });

  if (code !== undefined && PLAN_CODES.has(code)) {
    const what = code === 1113 ? 'the Z.AI account balance is exhausted' : 'the Z.AI coding plan has expired';
    return make(
      'plan',
      'replace',
      `proxy: ${what} (${head}); top up or renew the plan at z.ai`,
      longCooldown('plan', `${head}: ${what}`, s, nowMs),
      true,
    );
  }
  if (code !== undefined && MODEL_CODES.has(code)) {
    const what = code === 1211 ? 'Z.AI does not know this model' : 'the Z.AI plan does not include this model';
    return make(
      'model',
      'replace',
      `proxy: ${what} (${head}); set ZAI_MODEL_MAP, e.g. haiku=glm-4.5-air`,
      longCooldown('model', `${head}: ${what}`, s, nowMs),
      true,
    );
  }
  if ((code !== undefined && AUTH_CODES.has(code)) || a.status === 401 || a.status === 403) {
    // The message names no 401/403: the client must not read its own credentials into it.
    const codeNote = code !== undefined ? ` (z.ai code ${code})` : '';
    return make(
      'auth',
      'replace',
      `proxy: Z.AI rejected the Z.AI key${codeNote}; check ZAI_API_KEY and ZAI_HEADER_MODE`,
      longCooldown('auth', `${head}: z.ai rejected the key`, s, nowMs),
      true,
    );
  }
  if (code !== undefined && QUOTA_CODES.has(code)) {
    const reset = beijingResetTime(message);
    const believable = reset !== undefined && reset > nowMs && reset - nowMs <= MAX_QUOTA_COOLDOWN_MS;
    const why = `${head}: plan usage limit reached${reset !== undefined ? `, resets ${new Date(reset).toISOString()}` : ''}`;
    const cooldown =
      s.shortS <= 0
        ? undefined
        : believable
          ? { reason: 'quota' as const, untilMs: reset, why }
          : shortCooldown('quota', why, s, nowMs, retryAfterS);
    return make('quota', 'relay', `proxy: ${why}`, cooldown);
  }
  if (code !== undefined && BUSY_CODES.has(code)) {
    // No cooldown: the lane's in-flight limit (zai-capacity.ts) learns from it instead.
    return make('busy', 'relay', `proxy: Z.AI is at its concurrency limit (${head})`, undefined);
  }
  if (code !== undefined && FAIR_USE_CODES.has(code)) {
    return make(
      'quota',
      'relay',
      `proxy: Z.AI fair-use block (${head}); it is lifted only on request to Z.AI support`,
      longCooldown('quota', `${head}: fair-use block`, s, nowMs),
      true,
    );
  }
  if ((code !== undefined && RATE_CODES.has(code)) || (a.status === 429 && code === undefined)) {
    return make(
      'rate',
      'relay',
      `proxy: Z.AI rate limit (${head})`,
      shortCooldown('rate', head, s, nowMs, retryAfterS),
    );
  }
  if ((code !== undefined && OVERLOAD_CODES.has(code)) || a.status >= 500) {
    return make(
      'overload',
      'relay',
      `proxy: Z.AI overloaded or failing (${head})`,
      shortCooldown('overload', head, s, nowMs, retryAfterS),
    );
  }
  const fields = a.status === 400 ? unknownFields(message) : [];
  if (fields.length)
    return {
      ...make('unknown_fields', 'relay', `proxy: Z.AI does not accept ${fields.join(', ')} (${head})`, undefined),
      fields,
    };
  return make(
    'client',
    'relay',
    `proxy: Z.AI refused the request (${head}${message ? `: ${message.slice(0, 200)}` : ''})`,
    undefined,
  );
}

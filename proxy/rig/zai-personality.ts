// How the simulated Z.AI differs from Anthropic, from what is known of the real one (docs/ZAI.md has
// each fact and its source): errors carry a business code, quota caps name their reset time in Beijing
// time with no offset, streamed usage arrives in message_delta, a strict schema refuses unknown
// top-level fields, and the coding plan's usage is served at /api/monitor/usage/quota/limit.

export interface ZaiErrorSpec {
  status: number;
  type: string;
  text: string;
}

/**
 * The business codes the fake answers with. Codes and meanings: docs.z.ai/api-reference/api-code and
 * docs.bigmodel.cn/cn/api/api-code. HTTP statuses: 429 for 1302/1303/1113 and 401 for auth are
 * documented; 1308/1310 came as 429 in a recorded answer; the others are not documented (chosen here,
 * and the proxy classifies by code, not status).
 */
export const ZAI_ERRORS: Record<number, ZaiErrorSpec> = {
  1002: {
    status: 401,
    type: 'authentication_error',
    text: 'Authorization Token is invalid, please check that it is passed correctly',
  },
  1113: { status: 429, type: 'rate_limit_error', text: 'Your account balance is insufficient, please recharge' },
  1211: { status: 400, type: 'invalid_request_error', text: 'Unknown Model, please check the model code' },
  1302: {
    status: 429,
    type: 'rate_limit_error',
    text: 'High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits',
  },
  1303: {
    status: 429,
    type: 'rate_limit_error',
    text: 'High frequency usage of this API, please reduce frequency or contact customer service to increase limits',
  },
  1308: {
    status: 429,
    type: 'rate_limit_error',
    text: 'Usage limit reached for 5 hour. Your limit will reset at {reset}',
  },
  1309: {
    status: 429,
    type: 'rate_limit_error',
    text: 'Your GLM Coding Plan package has expired, please renew it to continue',
  },
  1310: {
    status: 429,
    type: 'rate_limit_error',
    text: 'Weekly/Monthly Limit Exhausted. Your limit will reset at {reset}',
  },
  1311: {
    status: 400,
    type: 'invalid_request_error',
    text: 'The current subscription plan does not include access to this model',
  },
  1312: {
    status: 429,
    type: 'rate_limit_error',
    text: 'This model is currently experiencing high traffic, please try again later or switch to another model',
  },
};

/** "2026-08-01 10:03:40": Beijing time (UTC+8), no offset, as Z.AI writes reset times. */
export function beijingTime(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A Z.AI error answer for `code`: {"type":"error","error":{"type":…,"code":"1310","message":"[1310][…][req]"}}. */
export function zaiErrorAnswer(
  code: number,
  opts: { resetAt?: Date; requestId: string },
): { status: number; body: string } {
  const spec = ZAI_ERRORS[code];
  if (!spec) throw new Error(`the fake Z.AI has no answer for code ${code}`);
  const text = spec.text.replace('{reset}', beijingTime(opts.resetAt ?? new Date(Date.now() + 3600_000)));
  return {
    status: spec.status,
    body: JSON.stringify({
      type: 'error',
      error: { type: spec.type, code: String(code), message: `[${code}][${text}][${opts.requestId}]` },
    }),
  };
}

/**
 * The model ids the simulated Z.AI answers (docs/ZAI.md, "Models"): the GLM models on its public list
 * and the Coding Plan's, and any Claude id, which Z.AI maps to GLM itself (Haiku → GLM-4.5-Air,
 * Sonnet/Opus → GLM-4.7). Anything else is 1211 "Unknown Model".
 */
export const ZAI_GLM_MODELS = [
  'glm-4.5',
  'glm-4.5-air',
  'glm-4.6',
  'glm-4.7',
  'glm-5',
  'glm-5-turbo',
  'glm-5.1',
  'glm-5.2',
  'glm-5.3',
  'glm-5.3-flash',
  'glm-5.4',
] as const;

export function zaiKnowsModel(model: string): boolean {
  const m = model.toLowerCase();
  return m.startsWith('claude-') || (ZAI_GLM_MODELS as readonly string[]).includes(m);
}

/** Top-level request fields the strict fake knows (the Messages API's own, as far as GLM supports them). */
export const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  // Sent by Claude Code in Z.AI's own setup (ANTHROPIC_BASE_URL at Z.AI), so Z.AI takes them
  // (the research note of 2026-12-07 on Claude Code 2.1.337 and Z.AI, its third-party column).
  'context_management',
  'output_config',
]);

/**
 * The betas the strict fake takes: the ones Claude Code 2.1.337 sends in Z.AI's own setup (the same
 * research note's "both shapes" column). Any other — Claude-only betas such as
 * prompt-caching-scope-2026-01-05 — is answered with a deterministic 1302, as reported from the field
 * (NousResearch/hermes-agent PR #52455: with them 0/5 succeeded, without them 5/5).
 */
export const ZAI_ACCEPTED_BETAS: ReadonlySet<string> = new Set([
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'per-turn-control-2026-07-01',
  'mid-conversation-tool-changes-2026-07-01',
  'thinking-token-count-2026-05-13',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
]);

/** The first beta of an anthropic-beta header the strict fake does not take; undefined when it takes them all. */
export function refusedBeta(header: string | string[] | undefined): string | undefined {
  const betas = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return betas.find((b) => !ZAI_ACCEPTED_BETAS.has(b));
}

/** The strict schema's answer: 400 naming the first unknown top-level field (or all of them), or undefined when there is none. */
export function strictSchemaProblem(
  body: Record<string, unknown>,
  nameAll: boolean,
  alsoUnknown: readonly string[] = [],
): string | undefined {
  const unknown = Object.keys(body).filter((k) => !KNOWN_FIELDS.has(k) || alsoUnknown.includes(k));
  if (!unknown.length) return undefined;
  return (nameAll ? unknown : unknown.slice(0, 1)).map((f) => `${f}: Extra inputs are not permitted`).join('; ');
}

/** The coding plan's windows as the fake keeps them: percentage used and next reset (epoch ms). */
export interface PlanUsage {
  /**
   * 'tokens': an older plan (TOKENS_LIMIT windows, a percentage only); 'credits': a plan sold since
   * 2026-07-30 (CREDIT_LIMIT windows with the allowance, the credits used and left; docs/ZAI.md).
   */
  kind: 'tokens' | 'credits';
  fiveHour: { percentage: number; nextResetTime: number };
  weekly: { percentage: number; nextResetTime: number };
  /** Credits a window allows (credit plans): Lite 2,000 per 5 hours and 10,000 per week. */
  allowance: { fiveHour: number; weekly: number };
  /** Added to both windows by every answered /v1/messages request. */
  stepPct: number;
}

export function defaultPlanUsage(now = Date.now()): PlanUsage {
  return {
    kind: 'tokens',
    fiveHour: { percentage: 12, nextResetTime: now + 3 * 3600_000 },
    weekly: { percentage: 31, nextResetTime: now + 4 * 86_400_000 },
    allowance: { fiveHour: 2000, weekly: 10000 },
    stepPct: 0,
  };
}

/** One model-use window as the plan's kind reports it. */
function modelWindow(
  u: PlanUsage,
  unit: number,
  number: number,
  w: { percentage: number; nextResetTime: number },
  allowance: number,
) {
  if (u.kind === 'tokens')
    return { type: 'TOKENS_LIMIT', unit, number, percentage: w.percentage, nextResetTime: w.nextResetTime };
  // As the recorded credit-plan answers show it: allowance in `usage`, credits used in `currentValue`,
  // `percentage` rounded to a whole number (steipete/CodexBar #2724, opgginc/opencode-bar #150).
  const used = Math.round((w.percentage / 100) * allowance);
  return {
    type: 'CREDIT_LIMIT',
    unit,
    number,
    usage: allowance,
    currentValue: used,
    remaining: allowance - used,
    percentage: Math.round(w.percentage),
    nextResetTime: w.nextResetTime,
  };
}

/**
 * GET /api/monitor/usage/quota/limit, shaped as third-party clients of it read it (jiegec/coding-plan-usage
 * tests, zai-rs): TOKENS_LIMIT unit 3 × 5 is the 5-hour window; the second TOKENS_LIMIT (unit 6) is the
 * weekly one; TIME_LIMIT counts tool calls.
 */
export function quotaAnswer(u: PlanUsage): string {
  return JSON.stringify({
    code: 200,
    msg: 'Operation successful',
    data: {
      limits: [
        modelWindow(u, 3, 5, u.fiveHour, u.allowance.fiveHour),
        modelWindow(u, 6, 1, u.weekly, u.allowance.weekly),
        {
          type: 'TIME_LIMIT',
          unit: 5,
          number: 1,
          usage: 100,
          currentValue: 7,
          remaining: 93,
          percentage: 7,
          nextResetTime: u.weekly.nextResetTime,
        },
      ],
      level: u.kind === 'credits' ? 'lite' : 'pro',
    },
    success: true,
  });
}

/** The window that is used up (≥ 100 %), as the 1308/1310 answer the real plan gives then. */
export function exhaustedWindow(u: PlanUsage): { code: 1308 | 1310; resetAt: Date } | undefined {
  if (u.fiveHour.percentage >= 100) return { code: 1308, resetAt: new Date(u.fiveHour.nextResetTime) };
  if (u.weekly.percentage >= 100) return { code: 1310, resetAt: new Date(u.weekly.nextResetTime) };
  return undefined;
}

/** How the quota endpoint answers: the key bare or as a Bearer token ('either'), only one of the two, a 500, or a 200 that is not the expected JSON. */
export type QuotaBehaviour = 'either' | 'bare' | 'bearer' | 'http500' | 'garbage';

/** GET /api/monitor/usage/quota/limit: the key in Authorization, bare or as a Bearer token. */
export function quotaEndpointAnswer(
  authorization: string | undefined,
  behaviour: QuotaBehaviour,
  key: string | undefined,
  usage: PlanUsage,
): { status: number; body: string } {
  if (behaviour === 'http500')
    return { status: 500, body: JSON.stringify({ code: 500, msg: 'internal error', success: false }) };
  if (behaviour === 'garbage') return { status: 200, body: '<html>maintenance</html>' };
  const auth = authorization ?? '';
  const bearer = /^Bearer\s+/i.test(auth);
  const given = auth.replace(/^Bearer\s+/i, '');
  const formOk = behaviour === 'either' || (behaviour === 'bearer') === bearer;
  if ((key !== undefined && given !== key) || !formOk)
    return { status: 401, body: JSON.stringify({ code: 401, msg: 'token expired or incorrect', success: false }) };
  return { status: 200, body: quotaAnswer(usage) };
}

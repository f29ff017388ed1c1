// What the Z.AI lane sends: what Claude Code itself sends when ANTHROPIC_BASE_URL names a non-Anthropic
// host (the way Z.AI's own documentation sets Claude Code up), nothing more. Through the MITM Claude
// Code believes it talks to api.anthropic.com and speaks its first-party dialect: betas, body fields and
// headers Z.AI never gets from it otherwise, which Z.AI answers with 400 "Extra inputs are not
// permitted" or, for Claude-only betas, a deterministic 1302 (hermes-agent PR #52455). Measured with the
// real CLI 2.1.337 both ways (docs/ZAI.md, "What Z.AI receives"); test/claude-dialect.test.ts runs the
// pinned CLI both ways again, so a CLI that changes either shape fails a test. Pure.

/** The betas Claude Code 2.1.337 sends to a third-party base URL. Any other beta is first-party only. */
export const THIRD_PARTY_BETAS: ReadonlySet<string> = new Set([
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'per-turn-control-2026-07-01',
  'mid-conversation-tool-changes-2026-07-01',
  'thinking-token-count-2026-05-13',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
]);

/**
 * Top-level body fields: the ones Claude Code 2.1.337 sends to a third-party base URL, plus the
 * Messages API's own sampling and tool fields (platform.claude.com/docs/en/api/messages). First-party
 * only, and removed: `diagnostics`, and Message Threads' `thread` / `previous_message_id` (Z.AI keeps
 * no threads).
 */
export const THIRD_PARTY_BODY_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'metadata',
  'max_tokens',
  'thinking',
  'context_management',
  'output_config',
  'stream',
  'tool_choice',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
]);

/**
 * Request headers the third-party shape carries (besides the key, which the lane sets itself):
 * `x-claude-1p-*`, `x-claude-code-*` (the user's session, prompt and agent ids), cookies and anything
 * else are not sent.
 */
const THIRD_PARTY_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'anthropic-version',
  'anthropic-beta',
  'anthropic-dangerous-direct-browser-access',
  'content-type',
  'user-agent',
  'x-app',
]);

export function isThirdPartyHeader(name: string): boolean {
  return THIRD_PARTY_HEADERS.has(name) || name.startsWith('x-stainless-');
}

/** An anthropic-beta value with only the third-party betas; undefined when none is left. */
export function thirdPartyBetas(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const kept = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => THIRD_PARTY_BETAS.has(s.toLowerCase()));
  return kept.length ? kept.join(',') : undefined;
}

/** `claude-sonnet-4-6[1m]` → `claude-sonnet-4-6`: the 1M-context suffix is Anthropic's; Z.AI answers 1214 to it. */
export function withoutContextSuffix(model: string): string {
  return model.replace(/\[1m\]$/i, '');
}

/** Models that refuse an explicit `thinking: {type: "disabled"}` (GLM-5.3-Flash: docs.sim.ai, Codeep v2.25.0). */
const REFUSES_THINKING_DISABLED = new Set(['glm-5.3-flash']);

export interface ZaiBody {
  body: Record<string, unknown>;
  /** First-party fields removed. */
  removed: string[];
  /** The explicit `thinking: {type: "disabled"}` was removed for a model that refuses it. */
  thinkingDisabledRemoved: boolean;
}

/** The body in the third-party dialect for `upstreamModel` (the model id Z.AI receives). */
export function thirdPartyBody(json: Record<string, unknown>, upstreamModel: string | undefined): ZaiBody {
  const body: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [k, v] of Object.entries(json)) {
    if (THIRD_PARTY_BODY_FIELDS.has(k)) body[k] = v;
    else removed.push(k);
  }
  let thinkingDisabledRemoved = false;
  const thinking = body.thinking as { type?: unknown } | undefined;
  if (upstreamModel && REFUSES_THINKING_DISABLED.has(upstreamModel.toLowerCase()) && thinking?.type === 'disabled') {
    delete body.thinking;
    thinkingDisabledRemoved = true;
  }
  return { body, removed, thinkingDisabledRemoved };
}

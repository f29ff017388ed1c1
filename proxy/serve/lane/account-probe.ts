// Requests Claude Code sends to ask Anthropic about the user's own account rather than to do work:
// their answer (or its headers) is about the Anthropic subscription, key or model access, so they stay
// on the Anthropic lane whatever their model. Recognised by shape, never by a Claude Code version.
// Read from the Claude Code 2.1.332 CLI (docs/ZAI.md, "Account probes"):
//   quota_check      {max_tokens: 1, messages: [{role: "user", content: "quota"}]}  → anthropic-ratelimit-unified-* headers
//   verify_api_key   {max_tokens: 1, messages: [{role: "user", content: "test"}]}   → is the Anthropic key valid
//   model_validation {max_tokens: 1, messages: [{role: "user", content: [{type: "text", text: "Hi", …}]}]} → may this account use the model
// Pure.

export type AccountProbe = 'quota' | 'api_key_check' | 'model_validation';

const PROBE_TEXT: Record<string, AccountProbe> = { quota: 'quota', test: 'api_key_check', Hi: 'model_validation' };

export const PROBE_LABEL: Record<AccountProbe, string> = {
  quota: 'subscription quota probe',
  api_key_check: 'API key check',
  model_validation: 'model validation',
};

/** The text of a user message whose content is a string or exactly one text block; undefined otherwise. */
function onlyText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.length !== 1) return undefined;
  const block = content[0] as { type?: unknown; text?: unknown } | undefined;
  return block?.type === 'text' && typeof block.text === 'string' ? block.text : undefined;
}

/** Which account probe this /v1/messages body is, if any: one token asked for, one user message, one of the known texts. */
export function accountProbeKind(body: Record<string, unknown> | undefined): AccountProbe | undefined {
  if (body?.max_tokens !== 1 || !Array.isArray(body.messages) || body.messages.length !== 1) return undefined;
  const m = body.messages[0] as { role?: unknown; content?: unknown } | undefined;
  if (m?.role !== 'user') return undefined;
  const text = onlyText(m.content);
  return text !== undefined && Object.hasOwn(PROBE_TEXT, text) ? PROBE_TEXT[text] : undefined;
}

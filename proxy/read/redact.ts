// Secret redaction for the review bundle. Pure. It replaces configured secret values and every
// secret-shaped value it knows, in plain text and in JSON (escaped or not), whatever the case of the
// name. The bundle's final check is a separate detector (secret-scan.ts) that shares nothing with this.

export const REDACTED = '[REDACTED]';

/**
 * A quoted or unquoted `name: value` / `name=value` / `"name":"value"` separator; the quotes may be
 * escaped any number of times. Spaces and tabs only: a value never continues on the next line (a line
 * ending in "Authorization: Bearer" must not take the next line's words with it).
 */
const SEP = String.raw`(?:\\*["'])?[ \t]*[:=][ \t]*(?:\\*["'])?`;
/** A value up to the next quote, backtick, space, comma or brace; never one already redacted, nor a bare scheme word. */
const VALUE = String.raw`(?!\[REDACTED\])(?!(?:Bearer|Basic|Token)(?![^\s"'\\,;}{\x60]))[^\s"'\\,;}{\x60]{4,}`;

/** Token-shaped secrets, whatever their source. A match's first group, when it has one, is kept. */
const PATTERNS: RegExp[] = [
  // PEM private keys, any kind (also inside JSON, where the newlines are escaped).
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
  // Anthropic API keys, OAuth access and refresh tokens.
  /sk-ant-[A-Za-z0-9_-]{8,}/g,
  // OpenAI keys (sk-…, sk-proj-…).
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
  // Z.AI API keys: 32 hex digits, a dot, 16 alphanumerics.
  /\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b/g,
  // AWS access key ids.
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  // GitHub tokens.
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  // Authorization values, with or without a scheme (raw keys too), in headers, JSON or assignments.
  new RegExp(String.raw`((?:proxy-)?authorization${SEP}(?:(?:Bearer|Basic|Token)[ \t]+)?)${VALUE}`, 'gi'),
  // Bearer and Basic credentials wherever they stand (on the same line).
  /(\b(?:Bearer|Basic)[ \t]+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}/gi,
  // x-api-key, api-key, apikey, api_key values.
  new RegExp(String.raw`(\b(?:x-)?api[-_]?key${SEP})${VALUE}`, 'gi'),
  // *_API_KEY=, *_TOKEN=, *_SECRET=, *PASSWORD= assignments and JSON members, any case.
  new RegExp(String.raw`(\b[A-Za-z0-9_]*(?:_key|token|secret|password)${SEP})${VALUE}`, 'gi'),
];

/** Replace configured secret values and every token-shaped secret. */
export function redact(text: string, knownSecrets: readonly string[]): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const re of PATTERNS) {
    out = out.replace(re, (_match: string, prefix?: unknown) =>
      typeof prefix === 'string' ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return out;
}

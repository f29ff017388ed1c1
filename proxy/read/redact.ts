// Secret redaction and the independent secret scan used by the review bundle. Pure.

export const REDACTED = '[REDACTED]';

/** Token-shaped secrets, whatever their source. Each one is also a scan pattern. */
const SECRET_PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'anthropic key or token (sk-ant-…)', re: /sk-ant-[A-Za-z0-9_-]{8,}/g },
  { name: 'private key block', re: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z]+ )?PRIVATE KEY-----/g },
  { name: 'bearer token', re: /\bBearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}/gi },
  { name: 'x-api-key value', re: /(x-api-key["']?\s*[:=]\s*["']?)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}/gi },
  { name: 'ZAI_API_KEY assignment', re: /(ZAI_API_KEY\s*=\s*["']?)(?!\[REDACTED\])[^\s"']{4,}/g },
];

/** Replace configured secret values and every token-shaped secret. */
export function redact(text: string, knownSecrets: readonly string[]): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const { re } of SECRET_PATTERNS) {
    out = out.replace(re, (match: string, prefix?: unknown) => (typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}${REDACTED}` : REDACTED));
  }
  return out;
}

/** What a scan found: the first offending pattern's name, or undefined when the text is clean. */
export function findSecret(text: string, knownSecrets: readonly string[]): string | undefined {
  for (const secret of knownSecrets) {
    if (secret.length >= 4 && text.includes(secret)) return 'a configured key value';
  }
  for (const { name, re } of SECRET_PATTERNS) {
    re.lastIndex = 0;
    if (re.test(text)) {
      re.lastIndex = 0;
      return name;
    }
  }
  return undefined;
}

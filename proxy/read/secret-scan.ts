// The review bundle's final check: a secret detector written separately from the redactor, so that a
// gap in one is not a gap in both. It looks at tokens (known formats, then a high-entropy test for
// anything key-like) and at the values of credential-named fields. Pure.

export interface SecretFinding {
  /** 1-based line number in the scanned text. */
  line: number;
  /** What was found; never the value itself. */
  what: string;
}

/** Runs of key-ish characters long enough to be a credential. */
const TOKEN = /[A-Za-z0-9_\-+/=.~]{16,}/g;

/** Known credential formats, by how the token starts or is built. */
const FORMATS: [string, (t: string) => boolean][] = [
  ['an Anthropic key or OAuth token', (t) => t.startsWith('sk-ant-') && t.length >= 20],
  ['an OpenAI key', (t) => /^sk-(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}$/.test(t)],
  ['a Z.AI key', (t) => /(^|[^0-9a-f])[0-9a-f]{32}\.[A-Za-z0-9]{16}($|[^A-Za-z0-9])/.test(t)],
  ['an AWS access key id', (t) => /^(AKIA|ASIA)[0-9A-Z]{16}$/.test(t)],
  ['a GitHub token', (t) => /^(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,})/.test(t)],
  ['a Slack token', (t) => /^xox[abprs]-/.test(t)],
];

/** Identifiers that look random but are not secrets: request, message and tool ids; hashes; UUIDs. */
function isKnownIdentifier(t: string): boolean {
  return (
    /^(req|msg|toolu|srvtoolu|file|batch|compl)_/.test(t) ||
    /^[0-9a-f]+$/i.test(t) ||
    /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(t) ||
    /^(claude|glm)-/.test(t) ||
    t.includes('://') ||
    t.startsWith('/')
  );
}

function shannonBits(t: string): number {
  const counts = new Map<string, number>();
  for (const ch of t) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / t.length) * Math.log2(n / t.length);
  return bits;
}

/** A long token mixing at least two of lower case, upper case and digits, its characters spread like random ones. */
export function looksRandom(t: string): boolean {
  if (t.length < 32 || isKnownIdentifier(t)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(t)).length;
  return classes >= 2 && shannonBits(t) >= 4.2;
}

/** Field names whose value is a credential, in any case and any separator style. */
const CREDENTIAL_NAME =
  /(authorization|x-api-key|api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|auth[-_]?token|secret|password|_token)$/i;

/** The value after `name` on a line: past quotes, backslashes, colons, equals signs and a scheme word. */
function valueAfter(line: string, end: number): string {
  let rest = line.slice(end).replace(/^[\s"'\\]*[:=][\s"'\\]*/, '');
  if (rest.length === line.length - end) return '';
  rest = rest.replace(/^(bearer|basic|token)\s+/i, '');
  return /^[A-Za-z0-9._~+/=-]*/.exec(rest)![0];
}

function credentialValues(line: string): boolean {
  for (const m of line.matchAll(/[A-Za-z0-9_-]+/g)) {
    if (!CREDENTIAL_NAME.test(m[0])) continue;
    const v = valueAfter(line, m.index! + m[0].length);
    if (v.length >= 8 && !v.startsWith('[REDACTED')) return true;
  }
  return false;
}

/** Every line of `text` that carries something secret-like, and what it is. */
export function scanForSecrets(text: string, knownSecrets: readonly string[] = []): SecretFinding[] {
  const out: SecretFinding[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const found = (what: string) => out.push({ line: i + 1, what });
    if (knownSecrets.some((s) => s.length >= 4 && line.includes(s))) found('a configured key value');
    if (/PRIVATE KEY-----/.test(line)) found('a private key block');
    for (const t of line.match(TOKEN) ?? []) {
      const format = FORMATS.find(([, is]) => is(t));
      if (format) found(format[0]);
      else if (looksRandom(t)) found('a high-entropy key-like token');
    }
    if (credentialValues(line)) found('a credential-named field with a value');
  }
  return out;
}

// The settings of what moves and where the figures go: CCP_OFFLOAD (with FORCE_HAIKU_TO_ZAI and
// CCP_OFFLOAD_AT_PCT), CCP_OVERFLOW and CCP_REMOTE_WRITE_*. Pure.
import { hostname, userInfo } from 'node:os';
import { ConfigError, parseBool, parseNumber, parseUrl, pick, type Env } from './setting-parsers.js';

/** What goes to the Z.AI lane: Haiku calls, and every request of a Claude Code subagent's thread. */
export interface OffloadPolicy {
  haiku: boolean;
  subagents: boolean;
  /**
   * CCP_OFFLOAD_AT_PCT: `subagents` applies only while the Anthropic subscription's busiest window is at
   * or above this percentage (0: always, the default).
   */
  atPct: number;
}

export interface RemoteWriteSettings {
  url: URL;
  intervalS: number;
  /** The value of the `ccp_user` label that tells team members apart. */
  identity: string;
  /** Extra labels on every series (CCP_REMOTE_WRITE_LABELS=team=platform,site=berlin). */
  labels: Record<string, string>;
  /** Basic auth or a bearer token for hosted receivers (from the environment or .env); never printed. */
  auth?: { username: string; password: string } | { bearer: string };
}

const OFFLOAD_WORDS = ['haiku', 'subagents'] as const;

/** CCP_OFFLOAD (comma list of haiku, subagents) and FORCE_HAIKU_TO_ZAI, which can only remove haiku. */
export function parseOffload(env: Env): OffloadPolicy {
  const words = pick(env, 'CCP_OFFLOAD')
    .toLowerCase()
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  const bad = words.find((w) => !(OFFLOAD_WORDS as readonly string[]).includes(w));
  if (bad !== undefined || words.length === 0)
    throw new ConfigError(
      'CCP_OFFLOAD',
      `invalid value "${env.CCP_OFFLOAD}"; allowed: a comma list of ${OFFLOAD_WORDS.join(', ')} (e.g. haiku,subagents)`,
    );
  const atPct = parseNumber(env, 'CCP_OFFLOAD_AT_PCT', {
    min: 0,
    what: 'a percentage from 0 to 100 (0: subagents move whatever the subscription window)',
  });
  if (atPct > 100)
    throw new ConfigError(
      'CCP_OFFLOAD_AT_PCT',
      `invalid value "${env.CCP_OFFLOAD_AT_PCT}"; allowed: a percentage from 0 to 100`,
    );
  return {
    haiku: words.includes('haiku') && parseBool(env, 'FORCE_HAIKU_TO_ZAI'),
    subagents: words.includes('subagents'),
    atPct,
  };
}

/** CCP_REMOTE_WRITE_*: off unless a URL is set. */
export function parseRemoteWrite(env: Env): RemoteWriteSettings | undefined {
  if (!env.CCP_REMOTE_WRITE_URL?.trim()) return undefined;
  const url = parseUrl(env, 'CCP_REMOTE_WRITE_URL');
  const intervalS = parseNumber(env, 'CCP_REMOTE_WRITE_INTERVAL_S', {
    min: 1,
    what: 'seconds between pushes, at least 1',
  });
  const labels: Record<string, string> = {};
  for (const pair of (env.CCP_REMOTE_WRITE_LABELS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [k, v, ...rest] = pair.split('=').map((s) => s.trim());
    if (!k || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || v === undefined || rest.length)
      throw new ConfigError(
        'CCP_REMOTE_WRITE_LABELS',
        `invalid entry "${pair}"; allowed: comma-separated name=value pairs, e.g. team=platform`,
      );
    labels[k] = v;
  }
  const identity = env.CCP_REMOTE_WRITE_IDENTITY?.trim() || `${userInfo().username}@${hostname()}`;
  const username = env.CCP_REMOTE_WRITE_USERNAME?.trim();
  const password = env.CCP_REMOTE_WRITE_PASSWORD?.trim();
  const bearer = env.CCP_REMOTE_WRITE_BEARER_TOKEN?.trim();
  const auth = bearer ? { bearer } : username && password ? { username, password } : undefined;
  return { url, intervalS, identity, labels, ...(auth ? { auth } : {}) };
}

/** CCP_OVERFLOW: '' (off, the default) or `main`. */
export function parseOverflow(env: Env): boolean {
  const v = (env.CCP_OVERFLOW ?? '').trim().toLowerCase();
  if (v === '' || v === '0' || v === 'off') return false;
  if (v === 'main') return true;
  throw new ConfigError('CCP_OVERFLOW', `invalid value "${env.CCP_OVERFLOW}"; allowed: main, or empty for off`);
}

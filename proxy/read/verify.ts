// verify-routing: checks the log against the routing contract; every check can fail. Pure: fed entries.
// Besides the router's own model and lane fields it checks where each request physically went
// (`upstream`, against the hosts configured for each lane), so a router bug cannot vouch for itself.
import type { Config } from '../common/config.js';
import type { Decision, Lane } from '../common/log-schema.js';
import { isHaikuModel } from '../common/models.js';
import type { LogEntry } from './log-reader.js';

/** Haiku may be on the Anthropic lane only with one of these logged reasons. */
export const ALLOWED_HAIKU_ON_ANTHROPIC: readonly Decision[] = ['failover_paused', 'offload_off', 'no_zai_key', 'cooldown', 'fallback', 'account_probe'];

/** The upstream hosts (host[:port], as URL.host spells them) each lane may send to. */
export interface LaneHosts {
  zai: ReadonlySet<string>;
  anthropic: ReadonlySet<string>;
}

/** The hosts of the configured base URLs, plus any named with --zai-host / --anthropic-host. */
export function laneHosts(config: Pick<Config, 'zaiBaseUrl' | 'anthBaseUrl'>, extra: { zai?: string[]; anthropic?: string[] } = {}): LaneHosts {
  return {
    zai: new Set([config.zaiBaseUrl.host, ...(extra.zai ?? [])].map((h) => h.toLowerCase())),
    anthropic: new Set([config.anthBaseUrl.host, ...(extra.anthropic ?? [])].map((h) => h.toLowerCase())),
  };
}

/** The real upstreams, for callers that have no configuration at hand. */
export const DEFAULT_LANE_HOSTS: LaneHosts = { zai: new Set(['api.z.ai']), anthropic: new Set(['api.anthropic.com']) };

export interface Expectation {
  family: string;
  lane: Lane;
}

export function parseExpect(value: string): Expectation[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const [family, lane] = pair.split('=').map((s) => s.trim().toLowerCase());
      if (!family || (lane !== 'zai' && lane !== 'anthropic')) {
        throw new Error(`--expect: "${pair}" must be family=lane with lane zai or anthropic, e.g. haiku=zai`);
      }
      return { family, lane };
    });
}

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
  rids: string[];
}

export interface Verdict {
  /** 0 all pass, 1 a violation, 2 no data. */
  exitCode: 0 | 1 | 2;
  checks: Check[];
  completions: number;
}

const MAX_RIDS = 20;

export class RoutingVerifier {
  private completions = 0;
  private haikuWrongLane: string[] = [];
  private nonHaikuOnZai: string[] = [];
  /** Anthropic-lane requests that reached the Z.AI host: the client's own credentials went to Z.AI. */
  private anthropicToZai: string[] = [];
  /** Requests whose upstream is not the host configured for their lane. */
  private wrongHost: string[] = [];
  private noModel: string[] = [];
  private headerModeOnAnthropic: string[] = [];
  private familyOnLane = new Map<string, number>();
  /** rid:attempt → ts of decisions not yet completed. */
  private open = new Map<string, number>();
  private lastTs = 0;

  constructor(
    private readonly expect: Expectation[],
    private readonly graceS = 120,
    private readonly hosts: LaneHosts = DEFAULT_LANE_HOSTS,
  ) {}

  add(e: LogEntry): void {
    this.lastTs = Math.max(this.lastTs, e.ts);
    const key = `${e.rid}:${e.attempt ?? 1}`;
    if (e.kind === 'decision') {
      if (e.rid) this.open.set(key, e.ts);
      return;
    }
    this.open.delete(key);
    this.completions++;
    const rid = e.rid ?? '?';
    const haiku = isHaikuModel(e.model);
    if (haiku && e.lane === 'anthropic' && !ALLOWED_HAIKU_ON_ANTHROPIC.includes(e.decision as Decision)) this.haikuWrongLane.push(rid);
    if (!haiku && e.lane === 'zai') this.nonHaikuOnZai.push(rid);
    this.checkWire(e, rid);
    const model = (e.model ?? '').toLowerCase();
    for (const x of this.expect) {
      if (model.includes(x.family) && e.lane === x.lane) this.familyOnLane.set(x.family, (this.familyOnLane.get(x.family) ?? 0) + 1);
    }
  }

  /** Where the request physically went, and what the router could read of it. Lines of the original kit (no `v`) carry neither. */
  private checkWire(e: LogEntry, rid: string): void {
    if (e.v === undefined) return;
    const upstream = e.upstream?.toLowerCase();
    if (upstream !== undefined && (e.lane === 'zai' || e.lane === 'anthropic')) {
      if (e.lane === 'anthropic' && this.hosts.zai.has(upstream) && !this.hosts.anthropic.has(upstream)) this.anthropicToZai.push(rid);
      else if (!this.hosts[e.lane].has(upstream)) this.wrongHost.push(rid);
    }
    if (e.path === '/v1/messages' && e.op !== undefined && e.model === undefined) this.noModel.push(rid);
    if (e.lane === 'anthropic' && e.header_mode !== undefined) this.headerModeOnAnthropic.push(rid);
  }

  /** `now` decides which open decisions are past the grace period (the last log time when reading old logs). */
  result(now = Date.now() / 1000): Verdict {
    const checks: Check[] = [];
    const list = (rids: string[]) => rids.slice(0, MAX_RIDS);
    checks.push({
      name: 'haiku on the z.ai lane unless a logged reason allows anthropic',
      pass: this.haikuWrongLane.length === 0,
      detail: this.haikuWrongLane.length ? `${this.haikuWrongLane.length} haiku completion(s) on anthropic without ${ALLOWED_HAIKU_ON_ANTHROPIC.join('/')}` : 'no violation',
      rids: list(this.haikuWrongLane),
    });
    checks.push({
      name: 'no non-haiku request on the z.ai lane',
      pass: this.nonHaikuOnZai.length === 0,
      detail: this.nonHaikuOnZai.length ? `${this.nonHaikuOnZai.length} non-haiku completion(s) on zai` : 'no violation',
      rids: list(this.nonHaikuOnZai),
    });
    const stale = [...this.open.entries()].filter(([, ts]) => now - ts > this.graceS).map(([k]) => k.split(':')[0]!);
    checks.push({
      name: `every decision has a completion (grace ${this.graceS}s)`,
      pass: stale.length === 0,
      detail: stale.length ? `${stale.length} decision(s) never completed` : `${this.open.size} still in flight within the grace period`,
      rids: list(stale),
    });
    const hosts = (l: Lane) => [...this.hosts[l]].join(' ');
    checks.push({
      name: 'no anthropic-lane request reached the z.ai host',
      pass: this.anthropicToZai.length === 0,
      detail: this.anthropicToZai.length ? `${this.anthropicToZai.length} request(s) with the client's own credentials went to ${hosts('zai')}` : 'no violation',
      rids: list(this.anthropicToZai),
    });
    checks.push({
      name: 'every request reached the host configured for its lane',
      pass: this.wrongHost.length === 0,
      detail: this.wrongHost.length ? `${this.wrongHost.length} request(s) went elsewhere (zai: ${hosts('zai')}; anthropic: ${hosts('anthropic')})` : 'no violation',
      rids: list(this.wrongHost),
    });
    checks.push({
      name: 'every /v1/messages body had a readable model',
      pass: this.noModel.length === 0,
      detail: this.noModel.length ? `${this.noModel.length} request(s) routed without a model (not JSON, or no model field)` : 'no violation',
      rids: list(this.noModel),
    });
    checks.push({
      name: 'no anthropic-lane request carries a z.ai header mode',
      pass: this.headerModeOnAnthropic.length === 0,
      detail: this.headerModeOnAnthropic.length ? `${this.headerModeOnAnthropic.length} request(s)` : 'no violation',
      rids: list(this.headerModeOnAnthropic),
    });
    for (const x of this.expect) {
      const n = this.familyOnLane.get(x.family) ?? 0;
      checks.push({ name: `${x.family} traffic reached the ${x.lane} lane`, pass: n > 0, detail: `${n} completion(s)`, rids: [] });
    }
    const exitCode = this.completions === 0 && this.open.size === 0 ? 2 : checks.every((c) => c.pass) ? 0 : 1;
    return { exitCode, checks, completions: this.completions };
  }
}

export function formatVerdict(v: Verdict): string {
  if (v.exitCode === 2) return 'NO DATA: no usage lines in the window (exit 2)';
  const lines = v.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}${c.rids.length ? ` [rids: ${c.rids.join(', ')}]` : ''}`);
  lines.push(v.exitCode === 0 ? `routing verified over ${v.completions} completion(s)` : `routing violations found (exit 1)`);
  return lines.join('\n');
}

// verify-routing: checks the log against the routing contract; every check can fail. Pure: fed entries.
// Besides the router's own model and lane fields it checks where each request physically went
// (`upstream`, against the hosts configured for each lane), so a router bug cannot vouch for itself.
import type { Config } from '../common/config.js';
import type { Decision, Lane, RunRecord } from '../common/log-schema.js';
import { ORPHAN_WINDOW_S, type LogEntry } from './log-reader.js';

/**
 * verify's own reading of a model family, written apart from the router's (common/models.ts matches a
 * substring; this splits the id into words), so a misclassification in the router cannot vouch for
 * itself: a model the two read differently shows up as a violation.
 */
export function isHaikuFamily(model: string | undefined): boolean {
  const words = (model ?? '').toLowerCase().split(/[^a-z0-9]+/);
  return words.includes('haiku') && !words.includes('sonnet') && !words.includes('opus');
}

/** Haiku may be on the Anthropic lane only with one of these logged reasons. */
export const ALLOWED_HAIKU_ON_ANTHROPIC: readonly Decision[] = [
  'failover_paused',
  'offload_off',
  'no_zai_key',
  'cooldown',
  'fallback',
  'account_probe',
  'zai_busy',
  'thread_stays',
  'below_threshold',
];

/** The upstream hosts (host[:port], as URL.host spells them) each lane may send to. */
export interface LaneHosts {
  zai: ReadonlySet<string>;
  anthropic: ReadonlySet<string>;
}

/** The hosts of the configured base URLs, plus any named with --zai-host / --anthropic-host. */
export function laneHosts(
  config: Pick<Config, 'zaiBaseUrl' | 'anthBaseUrl'>,
  extra: { zai?: string[]; anthropic?: string[] } = {},
): LaneHosts {
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
  /** Which settings judged the hosts, with how many completions each: the run lines, or the reader's stand-in. */
  judgedBy: { source: string; completions: number }[];
  /** Lines that were not JSON (torn or edited), skipped; set by verifyLog. */
  malformed?: number;
}

/** How hosts are judged where the log says nothing (no run line before a request), and what flags add. */
export interface HostJudging {
  /** Whether subagents were offloaded, for lines before any run line (this shell's CCP_OFFLOAD). */
  fallbackSubagents?: boolean;
  /** --zai-host / --anthropic-host: accepted beside every run's own hosts too. */
  extra?: { zai?: string[]; anthropic?: string[] };
}

/** Where some requests of one lane went instead of their lane's host. */
interface Misrouted {
  lane: Lane;
  went: string;
  configured: string;
  rids: string[];
}

const MAX_RIDS = 20;

export class RoutingVerifier {
  private completions = 0;
  private haikuWrongLane: string[] = [];
  /** CCP_OFFLOAD_AT_PCT of the run line in force: below_threshold is a reason only where it is set. */
  private atPct = 0;
  /** CCP_OVERFLOW of the run line in force: overflow_to_zai is allowed only where it is `main`. */
  private overflowOn = false;
  /** Requests a proxy that died left in flight, closed by the next one (err_type proxy_died). */
  private readonly diedUnder: string[] = [];
  private nonHaikuOnZai: string[] = [];
  /** Anthropic-lane requests that reached the Z.AI host: the client's own credentials went to Z.AI. */
  private anthropicToZai: string[] = [];
  /** Completions that do not say where they went (no `upstream`) although the proxy did not answer them itself. */
  private unknownDestination: string[] = [];
  /** Requests whose upstream is not the host configured for their lane, by lane, host and configured host. */
  private wrongHost = new Map<string, Misrouted>();
  /** The hosts in force for the lines being read: the last run line's, else the fallback. */
  private hosts: LaneHosts;
  private source: string;
  private judged = new Map<string, number>();
  private noModel: string[] = [];
  private headerModeOnAnthropic: string[] = [];
  private familyOnLane = new Map<string, number>();
  /** rid:attempt → ts of decisions not yet completed. */
  private open = new Map<string, number>();
  /** Completions of this part of the log whose decision came before it (its first hour only: see absorb()). */
  private orphans: string[] = [];
  private firstTs: number | undefined;
  private lastTs = 0;
  /** The offload policy in force for the lines being read: does it move subagents? */
  private subagentsOn: boolean;
  /** Subagent requests left on Anthropic with no logged reason while the policy moved subagents. */
  private subagentStayed: string[] = [];

  constructor(
    private readonly expect: Expectation[],
    private readonly graceS = 120,
    fallback: LaneHosts = DEFAULT_LANE_HOSTS,
    private readonly judging: HostJudging = {},
  ) {
    this.hosts = fallback;
    this.subagentsOn = judging.fallbackSubagents ?? false;
    this.source =
      fallback === DEFAULT_LANE_HOSTS
        ? 'the default hosts (no run line in the log)'
        : "this shell's ZAI_BASE_URL/ANTH_BASE_URL (no run line in the log)";
  }

  /** A run line: the requests after it are judged by the hosts that proxy was configured with. */
  run(r: RunRecord): void {
    const extra = this.judging.extra ?? {};
    this.hosts = {
      zai: new Set([r.zai_host, ...(extra.zai ?? [])].map((h) => h.toLowerCase())),
      anthropic: new Set([r.anth_host, ...(extra.anthropic ?? [])].map((h) => h.toLowerCase())),
    };
    // Older run lines have no offload field: they could not move subagents.
    this.subagentsOn = typeof r.offload === 'string' && r.offload.split(',').includes('subagents');
    this.atPct = typeof r.offload_at_pct === 'number' ? r.offload_at_pct : 0;
    this.overflowOn = r.overflow === 'main';
    this.source = `the run line of pid ${r.pid} (started ${r.started_at}; zai: ${r.zai_host}, anthropic: ${r.anth_host})`;
  }

  add(e: LogEntry): void {
    this.lastTs = Math.max(this.lastTs, e.ts);
    this.firstTs ??= e.ts;
    const key = `${e.rid}:${e.attempt ?? 1}`;
    if (e.kind === 'decision') {
      if (e.rid) this.open.set(key, e.ts);
      return;
    }
    if (!this.open.delete(key) && e.ts - this.firstTs < ORPHAN_WINDOW_S) this.orphans.push(key);
    this.completions++;
    if (e.err_type === 'proxy_died') this.diedUnder.push(e.rid ?? '?');
    this.judged.set(this.source, (this.judged.get(this.source) ?? 0) + 1);
    const rid = e.rid ?? '?';
    const haiku = isHaikuFamily(e.model);
    if (haiku && e.lane === 'anthropic' && !ALLOWED_HAIKU_ON_ANTHROPIC.includes(e.decision as Decision))
      this.haikuWrongLane.push(rid);
    // A subagent's request may be on the z.ai lane when the policy in force moved subagents, and only then.
    const subagent = typeof e.agent_id === 'string' && e.agent_id !== '';
    const movedSubagent =
      subagent && this.subagentsOn && (e.decision === 'subagent_to_zai' || e.decision === 'cooldown');
    // A thread_refused line went nowhere (the proxy answered 404): nothing of it reached Z.AI.
    const overflowed = e.decision === 'overflow_to_zai' && this.overflowOn;
    if (!haiku && e.lane === 'zai' && !movedSubagent && !overflowed && e.decision !== 'thread_refused')
      this.nonHaikuOnZai.push(rid);
    if (
      subagent &&
      this.subagentsOn &&
      e.lane === 'anthropic' &&
      e.path === '/v1/messages' &&
      (!ALLOWED_HAIKU_ON_ANTHROPIC.includes(e.decision as Decision) ||
        (e.decision === 'below_threshold' && this.atPct === 0))
    )
      this.subagentStayed.push(rid);
    this.checkWire(e, rid);
    const model = (e.model ?? '').toLowerCase();
    for (const x of this.expect) {
      if (model.includes(x.family) && e.lane === x.lane)
        this.familyOnLane.set(x.family, (this.familyOnLane.get(x.family) ?? 0) + 1);
    }
  }

  /** Where the request physically went, and what the router could read of it. Lines of the original kit (no `v`) carry neither. */
  private checkWire(e: LogEntry, rid: string): void {
    const upstream = e.upstream?.toLowerCase();
    // A line that cannot be judged is a violation, not a pass: only the proxy's own answers (413,
    // malformed HTTP, a cooldown with CCP_FALLBACK=0) went nowhere, and they carry proxy_status.
    if (upstream === undefined && e.proxy_status === undefined) this.unknownDestination.push(rid);
    if (e.v === undefined) return;
    if (upstream !== undefined && (e.lane === 'zai' || e.lane === 'anthropic')) {
      if (e.lane === 'anthropic' && this.hosts.zai.has(upstream) && !this.hosts.anthropic.has(upstream))
        this.anthropicToZai.push(rid);
      else if (!this.hosts[e.lane].has(upstream)) {
        const configured = [...this.hosts[e.lane]].join(' or ');
        const k = `${e.lane}\n${upstream}\n${configured}`;
        const m = this.wrongHost.get(k) ?? { lane: e.lane, went: upstream, configured, rids: [] };
        m.rids.push(rid);
        this.wrongHost.set(k, m);
      }
    }
    if (e.path === '/v1/messages' && e.op !== undefined && e.model === undefined) this.noModel.push(rid);
    if (e.lane === 'anthropic' && e.header_mode !== undefined) this.headerModeOnAnthropic.push(rid);
  }

  /**
   * The verifier of the next part of the same log (another thread read it, having started from the run
   * line in force there; a structured copy will do), added as if this one had read on.
   */
  absorb(o: RoutingVerifier): void {
    this.completions += o.completions;
    this.haikuWrongLane.push(...o.haikuWrongLane);
    this.diedUnder.push(...o.diedUnder);
    this.nonHaikuOnZai.push(...o.nonHaikuOnZai);
    this.anthropicToZai.push(...o.anthropicToZai);
    this.unknownDestination.push(...o.unknownDestination);
    for (const [k, m] of o.wrongHost) {
      const mine = this.wrongHost.get(k);
      if (mine) mine.rids.push(...m.rids);
      else this.wrongHost.set(k, { ...m, rids: [...m.rids] });
    }
    for (const [k, n] of o.judged) this.judged.set(k, (this.judged.get(k) ?? 0) + n);
    this.noModel.push(...o.noModel);
    this.headerModeOnAnthropic.push(...o.headerModeOnAnthropic);
    for (const [k, n] of o.familyOnLane) this.familyOnLane.set(k, (this.familyOnLane.get(k) ?? 0) + n);
    for (const k of o.orphans) this.open.delete(k);
    for (const [k, ts] of o.open) this.open.set(k, ts);
    this.lastTs = Math.max(this.lastTs, o.lastTs);
    this.subagentStayed.push(...o.subagentStayed);
    // What is in force at the end of the log is what the later part ended with.
    if (o.firstTs !== undefined) {
      this.firstTs ??= o.firstTs;
      this.hosts = o.hosts;
      this.source = o.source;
      this.subagentsOn = o.subagentsOn;
      this.atPct = o.atPct;
      this.overflowOn = o.overflowOn;
    }
  }

  /** `now` decides which open decisions are past the grace period (the last log time when reading old logs). */
  result(now = Date.now() / 1000): Verdict {
    const checks: Check[] = [];
    const list = (rids: string[]) => rids.slice(0, MAX_RIDS);
    checks.push({
      name: 'haiku on the z.ai lane unless a logged reason allows anthropic',
      pass: this.haikuWrongLane.length === 0,
      detail: this.haikuWrongLane.length
        ? `${this.haikuWrongLane.length} haiku completion(s) on anthropic without ${ALLOWED_HAIKU_ON_ANTHROPIC.join('/')}`
        : 'no violation',
      rids: list(this.haikuWrongLane),
    });
    checks.push({
      name: 'no non-haiku request on the z.ai lane unless a subagent moved by the policy in force',
      pass: this.nonHaikuOnZai.length === 0,
      detail: this.nonHaikuOnZai.length
        ? `${this.nonHaikuOnZai.length} non-haiku completion(s) on zai (the main conversation, or a subagent while CCP_OFFLOAD did not move subagents)`
        : 'no violation',
      rids: list(this.nonHaikuOnZai),
    });
    checks.push({
      name: 'subagents on the z.ai lane while the policy moves them, unless a logged reason allows anthropic',
      pass: this.subagentStayed.length === 0,
      detail: this.subagentStayed.length
        ? `${this.subagentStayed.length} subagent completion(s) on anthropic without ${ALLOWED_HAIKU_ON_ANTHROPIC.join('/')}`
        : 'no violation',
      rids: list(this.subagentStayed),
    });
    const stale = [...this.open.entries()].filter(([, ts]) => now - ts > this.graceS).map(([k]) => k.split(':')[0]!);
    checks.push({
      name: `every decision has a completion (grace ${this.graceS}s)`,
      pass: stale.length === 0,
      detail: stale.length
        ? `${stale.length} decision(s) never completed`
        : `${this.open.size} still in flight within the grace period`,
      rids: list(stale),
    });
    if (this.diedUnder.length)
      checks.push({
        name: 'requests a proxy that died left in flight were closed at the next start',
        pass: true,
        detail: `${this.diedUnder.length} request(s) ended when their proxy died (kill -9, a crash): err_type proxy_died`,
        rids: list(this.diedUnder),
      });
    checks.push({
      name: 'no anthropic-lane request reached the z.ai host',
      pass: this.anthropicToZai.length === 0,
      detail: this.anthropicToZai.length
        ? `${this.anthropicToZai.length} request(s) with the client's own credentials went to the z.ai host`
        : 'no violation',
      rids: list(this.anthropicToZai),
    });
    checks.push({
      name: 'every completion says where it went',
      pass: this.unknownDestination.length === 0,
      detail: this.unknownDestination.length
        ? `${this.unknownDestination.length} completion(s) without an upstream host, not answered by the proxy itself: where they went is unknown`
        : 'no violation',
      rids: list(this.unknownDestination),
    });
    const misrouted = [...this.wrongHost.values()];
    const wrong = misrouted.reduce((n, m) => n + m.rids.length, 0);
    checks.push({
      name: 'every request reached the host configured for its lane',
      pass: wrong === 0,
      // Where they went and where they should have gone, apart: the line must not read as if traffic went to the expected host.
      detail: wrong
        ? `${wrong} request(s) went elsewhere: ${misrouted.map((m) => `${m.rids.length} ${m.lane}-lane request(s) went to ${m.went}; configured for that lane: ${m.configured}`).join('; ')}`
        : 'no violation',
      rids: list(misrouted.flatMap((m) => m.rids)),
    });
    checks.push({
      name: 'every /v1/messages body had a readable model',
      pass: this.noModel.length === 0,
      detail: this.noModel.length
        ? `${this.noModel.length} request(s) routed without a model (not JSON, or no model field)`
        : 'no violation',
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
      checks.push({
        name: `${x.family} traffic reached the ${x.lane} lane`,
        pass: n > 0,
        detail: `${n} completion(s)`,
        rids: [],
      });
    }
    const exitCode = this.completions === 0 && this.open.size === 0 ? 2 : checks.every((c) => c.pass) ? 0 : 1;
    return {
      exitCode,
      checks,
      completions: this.completions,
      judgedBy: [...this.judged].map(([source, completions]) => ({ source, completions })),
    };
  }
}

export function formatVerdict(v: Verdict): string {
  if (v.exitCode === 2)
    return `NO DATA: no usage lines in the window (exit 2)${v.malformed ? `; ${v.malformed} malformed line(s) skipped` : ''}`;
  const lines = v.judgedBy.map((j) => `hosts judged by ${j.source}: ${j.completions} completion(s)`);
  if (v.malformed)
    lines.push(
      `NOTE  ${v.malformed} malformed line(s) (not JSON: torn or edited) were skipped; summarize counts them too`,
    );
  lines.push(
    ...v.checks.map(
      (c) =>
        `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}${c.rids.length ? ` [rids: ${c.rids.join(', ')}]` : ''}`,
    ),
  );
  lines.push(
    v.exitCode === 0 ? `routing verified over ${v.completions} completion(s)` : `routing violations found (exit 1)`,
  );
  return lines.join('\n');
}

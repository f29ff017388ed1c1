// The attempts of one request: which upstream attempts are made, in what order, and which answer the
// client gets. On the Z.AI lane a 401 is retried once in the other header mode (the mode that worked is
// kept); a failure before any byte reached the client falls back once to Anthropic with the client's
// original request; quota-type failures start a cooldown. Nothing is retried after a byte was relayed.
import type { Config, HeaderMode } from '../common/config.js';
import type { UsageRecord } from '../common/log-schema.js';
import type { ClientReply } from './client-exchange.js';
import { cooldownFor } from './cooldown.js';
import { isMessagesPath, type LaneDecision } from './decide.js';
import { anthropicTarget, zaiTarget, type LaneTarget } from './lanes.js';
import type { LiveState } from './live-state.js';
import type { RequestInfo } from './request.js';
import type { SignatureMemory } from './thinking-guard.js';
import { UpstreamAttempt, type AttemptResult } from './upstream-attempt.js';
import type { UpstreamPool } from './upstream-pool.js';
import { completionRecord, decisionRecord } from './usage-record.js';

export interface PolicyContext {
  config: Config;
  state: LiveState;
  pool: UpstreamPool;
  zaiSignatures: SignatureMemory;
  /** Attempts in flight, so a shutdown can end them (and so write their completion lines). */
  inFlight: Set<UpstreamAttempt>;
  decided(record: UsageRecord, request: RequestInfo): void;
  completed(record: UsageRecord, request: RequestInfo): void;
}

/** One request being served: its client, start time and whether its lines are logged. */
export interface Served {
  request: RequestInfo;
  reply: ClientReply;
  t0: number;
  logged: boolean;
}

interface AttemptPlan {
  attempt: number;
  decision: LaneDecision;
  target: LaneTarget;
  /** Statuses whose answer is held back for the policy instead of relayed. */
  hold(status: number): boolean;
  extra?: Partial<UsageRecord>;
}

/** Z.AI answers worth a fallback: rate limits and server-side failures (529 overloaded included). */
function fallbackStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export class AttemptPolicy {
  constructor(private readonly ctx: PolicyContext) {}

  async run(s: Served, d: LaneDecision): Promise<void> {
    if (d.lane === 'anthropic') {
      const r = await this.attempt(s, { attempt: 1, decision: d, target: this.anthropic(s.request), hold: () => false });
      if (r.end.kind === 'unreachable') this.answerUnreachable(s, r);
      return;
    }
    await this.runZai(s, d);
  }

  private async runZai(s: Served, d: LaneDecision): Promise<void> {
    const { config, state } = this.ctx;
    const fallback = config.fallback;
    let attempt = 1;
    let mode = state.zaiHeaderMode;
    let r = await this.attempt(s, { attempt, decision: d, target: zaiTarget(s.request, config, mode), hold: (st) => st === 401 || (fallback && fallbackStatus(st)) });
    if (r.end.kind === 'held' && r.obs.status === 401) {
      mode = mode === 'authorization' ? 'x-api-key' : 'authorization';
      r = await this.attempt(s, {
        attempt: ++attempt,
        decision: d,
        target: zaiTarget(s.request, config, mode),
        hold: (st) => fallback && fallbackStatus(st),
        extra: { retry: true },
      });
      if (r.obs.status !== 0 && r.obs.status !== 401) this.keepHeaderMode(mode);
    }
    if (r.end.kind === 'held' || (r.end.kind === 'unreachable' && fallback)) {
      const fb: LaneDecision = { lane: 'anthropic', decision: 'fallback', reason: 'z.ai failed before any byte → anthropic lane' };
      r = await this.attempt(s, { attempt: ++attempt, decision: fb, target: this.anthropic(s.request), hold: () => false, extra: { fallback_from: 'zai' } });
    }
    if (r.end.kind === 'unreachable') this.answerUnreachable(s, r);
  }

  private keepHeaderMode(mode: HeaderMode): void {
    this.ctx.state.zaiHeaderMode = mode;
  }

  private anthropic(request: RequestInfo): LaneTarget {
    return anthropicTarget(request, this.ctx.config, this.ctx.zaiSignatures);
  }

  /** No answer at all and nothing to fall back to: an Anthropic-shaped 502/504 naming the lane. */
  private answerUnreachable(s: Served, r: AttemptResult): void {
    const timedOut = r.end.kind === 'unreachable' && r.end.timedOut;
    if (!s.reply.headersSent && !s.reply.gone) s.reply.sendError(timedOut ? 504 : 502, timedOut ? 'timeout_error' : 'api_error', r.obs.error ?? 'proxy: upstream unreachable');
  }

  /** One upstream attempt with its two log lines; Z.AI's answers also feed the cooldown and the thinking guard. */
  private async attempt(s: Served, plan: AttemptPlan): Promise<AttemptResult> {
    const { config, state } = this.ctx;
    const base = decisionRecord(s.request, plan.decision, plan.attempt, plan.target, state.paused, plan.extra);
    if (s.logged) this.ctx.decided(base, s.request);
    const firstByteMs = s.request.stream || !isMessagesPath(s.request.method, s.request.path) ? config.firstByteTimeoutMs : config.nonstreamTimeoutMs;
    const attempt = new UpstreamAttempt({
      request: s.request,
      target: plan.target,
      reply: s.reply,
      t0: s.t0,
      timeouts: { connectMs: config.connectTimeoutMs, firstByteMs, idleMs: config.idleTimeoutMs },
      pool: this.ctx.pool,
      hold: plan.hold,
    });
    this.ctx.inFlight.add(attempt);
    const r = await attempt.run();
    this.ctx.inFlight.delete(attempt);
    if (plan.target.lane === 'zai') {
      for (const sig of r.obs.signatures) this.ctx.zaiSignatures.remember(sig);
      if (r.obs.status >= 400) this.maybeCooldown(r);
    }
    if (s.logged) this.ctx.completed(completionRecord(base, r.obs, s.t0), s.request);
    return r;
  }

  private maybeCooldown(r: AttemptResult): void {
    const c = cooldownFor({
      status: r.obs.status,
      body: r.obs.jsonText ?? '',
      configuredS: this.ctx.config.zaiCooldownS,
      nowMs: Date.now(),
      ...(r.obs.retryAfter ? { retryAfter: r.obs.retryAfter } : {}),
    });
    if (c) this.ctx.state.startCooldown(c.seconds, c.why);
  }
}

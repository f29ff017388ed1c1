// The attempts of one request: which upstream attempts are made, in what order, and which answer the
// client gets. The Anthropic lane is one attempt, relayed as it comes. On the Z.AI lane every error
// answer is held back (read whole, bounded by the idle timeout) and classified (zai-failures.ts): a
// 401/403 is retried once in the other header mode, fields Z.AI calls unknown are dropped and the
// request sent again, and any other failure before the first byte falls back to Anthropic with the
// client's original request (CCP_FALLBACK=1) or is relayed or replaced (CCP_FALLBACK=0) — never as a
// Z.AI 401/403. Nothing is retried after a byte reached the client. docs/ZAI.md has the whole table.
import type { Config } from '../../common/config.js';
import type { UsageRecord } from '../../common/log-schema.js';
import { isMessagesPath } from './api-paths.js';
import type { LaneDecision } from './decide.js';
import { anthropicError } from '../errors.js';
import { responseHeaders } from '../upstream/headers.js';
import { anthropicTarget, zaiTarget, type LaneTarget } from '../upstream/lanes.js';
import type { TogglesView } from './toggles.js';
import type { ZaiLaneHealth } from './zai-lane-health.js';
import type { RequestInfo } from '../front/request-info.js';
import type { SignatureMemory } from '../upstream/thinking-guard.js';
import { UpstreamAttempt, type AttemptResult } from '../upstream/upstream-attempt.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import { completionRecord, decisionRecord } from './usage-record.js';
import { classifyZaiAnswer, networkFailure, type ZaiFailure } from './zai-failures.js';
import { MESSAGES_KEY_MODES, otherKeyMode } from '../upstream/zai-key.js';
import { ANTHROPIC_ERROR_TYPE, answerByProxy, cooldownAnswer, type Served, THREAD_NOT_FOUND } from './proxy-answers.js';
import type { ZaiCapacity } from './zai-capacity.js';
import type { ThreadLanes } from './thread-lanes.js';
import { spentWindow, type Overflow } from './overflow.js';

/** Answers "Extra inputs are not permitted" are retried without the named fields at most this many times per request. */
export const MAX_FIELD_RETRIES = 3;

export interface PolicyContext {
  config: Config;
  toggles: TogglesView;
  /** The Z.AI lane's header mode, cooldown and refused fields: written here only. */
  health: ZaiLaneHealth;
  /** The Z.AI lane's in-flight slots: taken and given back here, shrunk on Z.AI's concurrency refusals. */
  capacity: ZaiCapacity;
  /** Which lane answered which message id (Message Threads). */
  threads: ThreadLanes;
  /** CCP_OVERFLOW=main: the spent subscription window, set here when Anthropic refuses for it. */
  overflow: Overflow;
  pool: UpstreamPool;
  zaiSignatures: SignatureMemory;
  /** Attempts in flight, so a shutdown can end them (and so write their completion lines). */
  inFlight: Set<UpstreamAttempt>;
  decided(record: UsageRecord, request: RequestInfo): void;
  completed(record: UsageRecord, request: RequestInfo): void;
  /** An Anthropic answer carried the subscription's anthropic-ratelimit-unified-* headers (logged or not). */
  subscriptionHeaders(headers: Record<string, string>): void;
  /** Something the user has to act on (a rejected key, an expired plan): said once, loudly. */
  alert(text: string): void;
}

interface AttemptPlan {
  attempt: number;
  decision: LaneDecision;
  target: LaneTarget;
  /** Statuses whose answer is held back for the policy instead of relayed. */
  hold(status: number, unified?: Record<string, string>): boolean;
  extra?: Partial<UsageRecord>;
}

/** A finished attempt, its decision line, and what the policy made of it. */
interface Done {
  plan: AttemptPlan;
  base: UsageRecord;
  r: AttemptResult;
}

/** How the Z.AI attempts ended when none of them answered the client. */
interface ZaiOutcome {
  last: Done;
  failure: ZaiFailure;
}

export class AttemptPolicy {
  constructor(private readonly ctx: PolicyContext) {}

  async run(s: Served, d: LaneDecision): Promise<void> {
    if (d.decision === 'thread_refused') {
      this.answerThreadRefused(s, d);
      return;
    }
    if (d.decision === 'zai_busy') this.ctx.capacity.keptOffOne();
    if (d.lane === 'anthropic') {
      const reason = this.ctx.health.cooldown()?.reason;
      const extra: Partial<UsageRecord> = d.decision === 'cooldown' && reason ? { cooldown_reason: reason } : {};
      // CCP_OVERFLOW=main: a 429 is held back, to see whether it is the subscription's limit (account
      // probes stay first-party whatever happens: they are how Claude Code learns the limit).
      const overflowable =
        this.ctx.config.overflowMain &&
        isMessagesPath(s.request.method, s.request.path) &&
        d.decision !== 'account_probe' &&
        d.decision !== 'thread_stays';
      await this.runAnthropic(
        s,
        {
          attempt: 1,
          decision: d,
          target: this.anthropic(s.request),
          // A 429, or a 200 whose headers already say the subscription is spent (its refusal then comes
          // as an SSE error event before any content): held, to be replaced if it is the limit.
          hold: overflowable
            ? (st, unified) => st === 429 || unified?.['anthropic-ratelimit-unified-status'] === 'rejected'
            : () => false,
          extra,
        },
        overflowable,
      );
      return;
    }
    if (d.decision === 'cooldown') {
      this.answerCooldown(s, d);
      return;
    }
    // The slot is taken in the same turn as the decision that saw it free, and held through every retry.
    this.ctx.capacity.acquire();
    let outcome: ZaiOutcome | undefined;
    try {
      outcome = await this.runZai(s, d);
    } finally {
      this.ctx.capacity.release();
    }
    if (!outcome) return;
    if (this.ctx.config.fallback) {
      const fb: LaneDecision = {
        lane: 'anthropic',
        decision: 'fallback',
        reason: `z.ai failed before any byte (${outcome.failure.cause}) → anthropic lane`,
      };
      await this.runAnthropic(s, {
        attempt: outcome.last.plan.attempt + 1,
        decision: fb,
        target: this.anthropic(s.request),
        hold: () => false,
        extra: { fallback_from: 'zai', zai_failure: outcome.failure.cause },
      });
    } else {
      this.answerWithoutFallback(s, outcome);
    }
  }

  /** One attempt on Anthropic: relayed as it comes, or a 502/504 when the upstream cannot be reached. */
  private async runAnthropic(s: Served, plan: AttemptPlan, overflowable = false): Promise<void> {
    const done = await this.attempt(s, plan);
    if (overflowable && done.r.end.kind === 'held') {
      // A 200 is a refusal only when what came is an error before any content.
      const body = done.r.end.body.toString('utf8');
      const refused = done.r.obs.status === 429 || (body.includes('"type":"error"') && !body.includes('content_block'));
      const spent = refused ? spentWindow(done.r.obs.unifiedRateLimit, Date.now()) : undefined;
      if (spent && (await this.overflowFrom(s, done, spent))) return;
      // Not the subscription's limit, or Z.AI could not take it: Anthropic's refusal, unchanged.
      this.relayHeld(s, done);
      this.complete(s, done, { final: true });
      return;
    }
    let proxyStatus: number | undefined;
    if (done.r.end.kind === 'unreachable')
      proxyStatus = this.answerUnreachable(s, done.r, `the Anthropic lane (${plan.target.url.host})`);
    this.complete(s, done, { final: true, ...(proxyStatus ? { proxy_status: proxyStatus } : {}) });
  }

  /**
   * CCP_OVERFLOW=main: Anthropic refused for the subscription's limit and nothing reached the client: the
   * same request goes to Z.AI, and so do the next ones until the window resets. True when Z.AI answered.
   */
  private async overflowFrom(s: Served, refused: Done, spent: { window: string; untilMs: number }): Promise<boolean> {
    const { config, toggles, health, capacity } = this.ctx;
    if (this.ctx.overflow.spent(spent))
      this.ctx.alert(
        `Anthropic ${spent.window} limit reached until ${new Date(spent.untilMs).toISOString()} — requests on Z.AI (CCP_OVERFLOW=main)`,
      );
    if (!config.zaiApiKey || toggles.paused || health.coolingDown()) return false;
    const d: LaneDecision = {
      lane: 'zai',
      decision: 'overflow_to_zai',
      reason: `anthropic refused: ${spent.window} limit reached until ${new Date(spent.untilMs).toISOString()}, CCP_OVERFLOW=main → zai lane`,
    };
    capacity.acquire();
    let outcome: ZaiOutcome | undefined;
    try {
      // If Z.AI fails, Anthropic's refusal is what the client gets: that Z.AI attempt is never final.
      outcome = await this.runZai(s, d, refused.plan.attempt + 1, false);
    } finally {
      capacity.release();
    }
    if (outcome) return false;
    this.complete(s, refused, { final: false });
    return true;
  }

  /** An answer held back and not replaced: sent to the client as it came (a whole body, its own status). */
  private relayHeld(s: Served, done: Done): void {
    const { end } = done.r;
    if (end.kind !== 'held' || s.reply.headersSent || s.reply.gone) return;
    const headers = responseHeaders(end.rawHeaders);
    delete headers['content-length'];
    s.reply.send(done.r.obs.status, headers, end.body, end.statusMessage);
  }

  /**
   * The Z.AI attempts: header-mode retry, unknown-field retries. Returns undefined when one of them
   * answered the client (or the client left), else the last attempt and what failed.
   */
  /** `answersOnFailure`: a failed last attempt's answer is the client's (CCP_FALLBACK=0), unless the caller replaces it. */
  private async runZai(
    s: Served,
    d: LaneDecision,
    firstAttempt = 1,
    answersOnFailure = !this.ctx.config.fallback,
  ): Promise<ZaiOutcome | undefined> {
    const { config, health } = this.ctx;
    let mode = health.headerMode;
    let triedOtherMode = false;
    let fieldRetries = 0;
    const extra: Partial<UsageRecord> = {};
    for (let attempt = firstAttempt; ; attempt++) {
      const plan: AttemptPlan = {
        attempt,
        decision: d,
        target: zaiTarget(s.request, config, mode, health.refusedFields),
        hold: (st) => st >= 400,
        extra: { ...extra },
      };
      const done = await this.attempt(s, plan);
      const { end, obs } = done.r;
      if (end.kind === 'relayed' || end.kind === 'aborted') {
        // The mode that worked sticks; a 2xx is the only proof it works.
        if (obs.status >= 200 && obs.status < 300) {
          health.headerModeWorked(mode);
          this.ctx.capacity.succeeded();
        }
        this.complete(s, done, { final: true });
        return undefined;
      }
      const failure =
        end.kind === 'unreachable'
          ? networkFailure(obs.error ?? 'unreachable', this.settings(), Date.now())
          : classifyZaiAnswer(
              {
                status: obs.status,
                body: obs.jsonText ?? end.body.toString('utf8'),
                ...(obs.retryAfter ? { retryAfter: obs.retryAfter } : {}),
              },
              this.settings(),
              Date.now(),
            );
      if (failure.cause === 'auth' && !triedOtherMode) {
        triedOtherMode = true;
        mode = otherKeyMode(mode, MESSAGES_KEY_MODES);
        extra.retry = true;
        this.complete(s, done, { zai_failure: failure.cause, final: false });
        continue;
      }
      const fresh = (failure.fields ?? []).filter((f) => !health.refusedFields.has(f));
      if (failure.cause === 'unknown_fields' && fresh.length && fieldRetries < MAX_FIELD_RETRIES) {
        fieldRetries++;
        health.refuseFields(fresh);
        this.complete(s, done, { zai_failure: failure.cause, final: false });
        continue;
      }
      if (failure.cause === 'busy') this.ctx.capacity.refused();
      this.startCooldown(failure);
      this.complete(s, done, {
        zai_failure: failure.cause,
        final: answersOnFailure,
        ...(this.proxyAnswers(failure, done) ? { proxy_status: this.proxyStatusFor(done) } : {}),
      });
      return { last: done, failure };
    }
  }

  private settings() {
    return { shortS: this.ctx.config.zaiCooldownS, longS: this.ctx.config.zaiLongCooldownS };
  }

  private startCooldown(f: ZaiFailure): void {
    if (!f.cooldown || !this.ctx.health.startCooldown(f.cooldown)) return;
    const meanwhile = this.ctx.config.fallback
      ? 'Haiku goes to Anthropic'
      : 'Haiku requests get an error from the proxy (CCP_FALLBACK=0)';
    if (f.loud)
      this.ctx.alert(
        `${f.explain}. ${meanwhile} until ${new Date(f.cooldown.untilMs).toISOString()} (cooldown: ${f.cooldown.reason}).`,
      );
  }

  /** With CCP_FALLBACK=0, does the proxy answer itself (502/504) rather than relay Z.AI's answer? */
  private proxyAnswers(f: ZaiFailure, done: Done): boolean {
    return !this.ctx.config.fallback && (f.withoutFallback === 'replace' || done.r.end.kind !== 'held');
  }

  private proxyStatusFor(done: Done): number {
    return done.r.end.kind === 'unreachable' && done.r.end.timedOut ? 504 : 502;
  }

  /** CCP_FALLBACK=0: Z.AI's own answer where it means the same to the client, else a 502/504 naming Z.AI. */
  private answerWithoutFallback(s: Served, o: ZaiOutcome): void {
    const { r } = o.last;
    if (s.reply.headersSent || s.reply.gone) return;
    if (r.end.kind === 'unreachable') {
      this.answerUnreachable(s, r, `the Z.AI lane (${o.last.plan.target.url.host})`);
      return;
    }
    if (o.failure.withoutFallback === 'replace' || r.end.kind !== 'held') {
      s.reply.sendError(502, 'api_error', o.failure.explain);
      return;
    }
    const headers = responseHeaders(r.end.rawHeaders);
    delete headers['content-length'];
    if (!r.obs.errType) {
      s.reply.send(r.obs.status, headers, r.end.body, r.end.statusMessage);
      return;
    }
    // The body stalled or broke: a truncated JSON is no answer, so the status goes with a whole one.
    const type = ANTHROPIC_ERROR_TYPE[r.obs.status] ?? (r.obs.status >= 500 ? 'api_error' : 'invalid_request_error');
    s.reply.send(
      r.obs.status,
      { ...headers, 'content-type': 'application/json' },
      JSON.stringify(
        anthropicError(type, `proxy: Z.AI answered ${r.obs.status}, then its body ${r.obs.error ?? 'broke off'}`),
      ),
    );
  }

  /**
   * CCP_FALLBACK=0 while the Z.AI lane cools down (a failure, or the quota stop): answered at once, in
   * the kind of error the failure itself gave, naming Z.AI, the reason and the time left — never moved
   * to Anthropic, never dialled. A rejected key is never shown as a 401 (the client would blame its own).
   */
  private answerCooldown(s: Served, d: LaneDecision): void {
    const cool = this.ctx.health.cooldown() ?? { untilMs: Date.now() + 1000, reason: 'network' as const, why: '' };
    const base = decisionRecord(s.request, d, 1, undefined, this.ctx.toggles.paused, { cooldown_reason: cool.reason });
    answerByProxy(this.ctx, s, base, cooldownAnswer(cool, Date.now()));
  }

  /**
   * A continuation of a Message Thread whose last answer came from Z.AI: neither lane can continue it
   * (Z.AI keeps no threads, Anthropic never saw it). The 404 `thread_not_found` is the answer the pinned
   * Claude Code recovers from by sending the conversation again whole (docs/ZAI.md, "Message Threads").
   */
  private answerThreadRefused(s: Served, d: LaneDecision): void {
    answerByProxy(this.ctx, s, decisionRecord(s.request, d, 1, undefined, this.ctx.toggles.paused), THREAD_NOT_FOUND);
  }

  /** No answer at all and nothing to fall back to: an Anthropic-shaped 502 (504 for a timeout) naming the lane. */
  private answerUnreachable(s: Served, r: AttemptResult, lane: string): number | undefined {
    if (s.reply.headersSent || s.reply.gone) return undefined;
    const timedOut = r.end.kind === 'unreachable' && r.end.timedOut;
    s.reply.sendError(
      timedOut ? 504 : 502,
      timedOut ? 'timeout_error' : 'api_error',
      `proxy: ${lane} ${timedOut ? 'timed out' : 'is unreachable'}: ${r.obs.error ?? ''}`.trim(),
    );
    return timedOut ? 504 : 502;
  }

  private anthropic(request: RequestInfo): LaneTarget {
    return anthropicTarget(request, this.ctx.config, this.ctx.zaiSignatures);
  }

  /** One upstream attempt after its decision line; Z.AI's answers also feed the thinking guard. */
  private async attempt(s: Served, plan: AttemptPlan): Promise<Done> {
    const { config, toggles } = this.ctx;
    const base = decisionRecord(s.request, plan.decision, plan.attempt, plan.target, toggles.paused, plan.extra);
    if (s.logged) this.ctx.decided(base, s.request);
    const firstByteMs =
      s.request.stream || !isMessagesPath(s.request.method, s.request.path)
        ? config.firstByteTimeoutMs
        : config.nonstreamTimeoutMs;
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
    if (plan.target.lane === 'zai') for (const sig of r.obs.signatures) this.ctx.zaiSignatures.remember(sig);
    return { plan, base, r };
  }

  /** The completion line, once the policy knows whether this attempt's answer is the one the client got. */
  private complete(s: Served, done: Done, extra: Partial<UsageRecord>): void {
    const { obs } = done.r;
    // The answer the client got names the message a thread would continue from: it belongs to this lane.
    if (extra.final && obs.messageId && obs.status >= 200 && obs.status < 300)
      this.ctx.threads.remember(obs.messageId, done.plan.target.lane);
    if (obs.unifiedRateLimit) this.ctx.subscriptionHeaders(obs.unifiedRateLimit);
    if (s.logged) this.ctx.completed(completionRecord(done.base, obs, s.t0, extra), s.request);
  }
}

// The router: everything lane-related for the requests the front hands over. It reads the request,
// decides its lane (pure), and lets the attempt policy serve it; observers hear of every attempt
// through the decided/completed events (docs/ARCHITECTURE.md; docs/CONTRACT.md §1–3).
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../common/config.js';
import type { UsageRecord } from '../../common/log-schema.js';
import { AttemptPolicy } from './attempt-policy.js';
import type { Served } from './proxy-answers.js';
import type { ClientExchange } from '../front/client-exchange.js';
import { isHaikuModel } from '../../common/models.js';
import { accountProbeKind } from './account-probe.js';
import { decide } from './decide.js';
import { isMessagesPath } from './api-paths.js';
import type { TogglesView } from './toggles.js';
import type { SubscriptionView } from './subscription-windows.js';
import { busiestWindow } from '../../common/proxy-status.js';
import { ZaiLaneHealth, type QuotaView, type ZaiLaneView } from './zai-lane-health.js';
import { newRid, readBody, requestInfo } from './request.js';
import type { RequestInfo } from '../front/request-info.js';
import { SignatureMemory } from '../upstream/thinking-guard.js';
import type { UpstreamAttempt } from '../upstream/upstream-attempt.js';
import { UpstreamPool } from '../upstream/upstream-pool.js';
import { completionRecord, decisionRecord } from './usage-record.js';
import { ZaiCapacity, type ZaiCapacityView } from './zai-capacity.js';
import { Overflow, type OverflowView } from './overflow.js';
import { continuedMessageId, mayContinueThread, ThreadLanes } from './thread-lanes.js';

/** What one upstream attempt looks like to observers. */
export interface AttemptEvent {
  record: UsageRecord;
  request: RequestInfo;
}

export interface RouterEvents {
  decided: [AttemptEvent];
  completed: [AttemptEvent];
  /** Something the user must act on (a rejected Z.AI key, an expired plan), said once per cooldown. */
  alert: [string];
  /** An Anthropic answer carried the subscription's anthropic-ratelimit-unified-* headers. */
  subscription: [Record<string, string>];
}

export interface RouterOptions {
  config: Config;
  /** The pause and the offload policy: read here, switched by the control room. */
  toggles: TogglesView;
  /** The Z.AI plan's quota and its stop (the quota watch owns them). */
  quota: QuotaView;
  /** The Anthropic subscription's windows (their observer owns them): CCP_OFFLOAD_AT_PCT reads the busiest. */
  subscription: SubscriptionView;
  /** Extra CA certificates (PEM) trusted for upstream TLS. */
  upstreamCa?: string;
}

export class Router extends EventEmitter<RouterEvents> {
  private readonly pool: UpstreamPool;
  /** Thinking signatures Z.AI produced in this process (hashed, bounded). */
  readonly zaiSignatures = new SignatureMemory();
  /** Ends every attempt still in flight, so a shutdown still writes their completion lines. */
  private readonly inFlight = new Set<UpstreamAttempt>();
  private readonly policy: AttemptPolicy;
  /** Which lane answered which message id, for Message Thread continuations. */
  private readonly threads = new ThreadLanes();
  /** The Z.AI lane's health and in-flight slots: written only by this router's attempt policy. */
  private readonly health: ZaiLaneHealth;
  private readonly capacity: ZaiCapacity;
  /** CCP_OVERFLOW=main: the spent subscription window, written only by the attempt policy. */
  private readonly overflow = new Overflow();

  constructor(private readonly opts: RouterOptions) {
    super();
    this.pool = new UpstreamPool(opts.upstreamCa);
    this.health = new ZaiLaneHealth(opts.config.zaiHeaderMode, opts.quota);
    this.capacity = new ZaiCapacity(opts.config.zaiMaxInflight);
    this.policy = new AttemptPolicy({
      config: opts.config,
      toggles: opts.toggles,
      health: this.health,
      capacity: this.capacity,
      threads: this.threads,
      overflow: this.overflow,
      pool: this.pool,
      zaiSignatures: this.zaiSignatures,
      inFlight: this.inFlight,
      decided: (record, request) => this.emit('decided', { record, request }),
      completed: (record, request) => this.emit('completed', { record, request }),
      subscriptionHeaders: (headers) => this.emit('subscription', headers),
      alert: (text) => this.emit('alert', text),
    });
  }

  /** The Z.AI lane as it stands: header mode, cooldown (the quota stop included), refused fields. */
  get zaiLane(): ZaiLaneView {
    return this.health;
  }

  /** CCP_OVERFLOW=main: the spent window while requests go to Z.AI instead. */
  get overflowView(): OverflowView {
    return this.overflow;
  }

  /** The Z.AI lane's in-flight requests and limit. */
  get zaiCapacity(): ZaiCapacityView {
    return this.capacity;
  }

  /** Abort every attempt in flight (err_type shutdown); their completion lines follow at once. */
  abortInFlight(): void {
    for (const attempt of [...this.inFlight]) attempt.abort('proxy: shutting down with this request in flight');
  }

  close(): void {
    this.abortInFlight();
    this.pool.destroy();
  }

  /** Log a request the front rejected before it could reach the router (malformed HTTP → 400). */
  recordRejected(info: { code: string; method?: string | undefined; path?: string | undefined; h2: boolean }): void {
    const request: RequestInfo = {
      rid: newRid(),
      method: info.method ?? '?',
      path: info.path ?? '(unparsed)',
      query: '',
      body: Buffer.alloc(0),
      size: 0,
      json: () => undefined,
      model: undefined,
      stream: false,
      h2: info.h2,
      rawHeaders: [],
      labels: {},
    };
    const d = {
      lane: 'anthropic',
      decision: 'pass_through',
      reason: `malformed HTTP from the client (${info.code}) → 400 from the proxy`,
    } as const;
    const record = decisionRecord(request, d, 1, undefined, this.opts.toggles.paused);
    delete record.req_bytes;
    this.emit('decided', { record, request });
    this.emit('completed', {
      record: {
        ...record,
        event: 'complete',
        ts: Date.now() / 1000,
        status: 400,
        err_type: 'bad_request',
        error: info.code,
        final: true,
        proxy_status: 400,
      },
      request,
    });
  }

  /** Serve one intercepted or direct API request. Nothing escapes: on an internal error the client gets an error and the proxy keeps running. */
  serve(exchange: ClientExchange): void {
    this.handle(exchange).catch((err: unknown) => {
      if (!exchange.reply.headersSent)
        exchange.reply.sendError(500, 'api_error', `proxy: internal error (${(err as Error).message})`);
      else exchange.reply.destroy();
    });
  }

  private async handle(exchange: ClientExchange): Promise<void> {
    const { config, toggles } = this.opts;
    const read = await readBody(exchange.body, config.maxBodyBytes);
    const t0 = performance.now();
    // Not JSON, or not a messages call: it goes to Anthropic untouched, which answers it (pass_through).
    const request = requestInfo(exchange, read, config.maxBodyBytes);
    const logged = !config.filterChain || isMessagesPath(request.method, request.path);
    // Haiku bodies are parsed whole anyway (messages-body.ts): the probe check costs a field lookup.
    const probe = isHaikuModel(request.model) ? accountProbeKind(request.json()) : undefined;
    const continues =
      isMessagesPath(request.method, request.path) && mayContinueThread(request.body)
        ? continuedMessageId(request.json())
        : undefined;
    const { capacity } = this;
    const cooldown = this.health.cooldown();
    const d = decide({
      method: request.method,
      path: request.path,
      model: request.model,
      offload: toggles.offload,
      paused: toggles.paused,
      hasZaiKey: config.zaiApiKey !== undefined,
      zaiCoolingDown: cooldown !== undefined,
      ...(request.labels.agent_id ? { subagent: request.labels.agent_type ?? '?' } : {}),
      fallback: config.fallback,
      ...(cooldown ? { zaiCooldownReason: cooldown.reason } : {}),
      ...(probe ? { accountProbe: probe } : {}),
      ...(continues !== undefined ? { continuesThreadOf: this.threads.laneOf(continues) } : {}),
      zaiCapacity: { hasRoom: capacity.hasRoom(), inFlight: capacity.inFlight, limit: capacity.limit },
      ...withBusiest(busiestWindow(this.opts.subscription.latest)),
      ...(config.overflowMain && this.overflow.active() ? { overflow: this.overflow.active()! } : {}),
    });
    const served: Served = { request, reply: exchange.reply, t0, logged };
    if (read.tooLarge) {
      this.answerTooLarge(served, d);
      return;
    }
    await this.policy.run(served, d);
  }

  private answerTooLarge(s: Served, d: ReturnType<typeof decide>): void {
    const { config, toggles } = this.opts;
    const rec = decisionRecord(
      s.request,
      { ...d, reason: `${d.reason}; body too large → 413 from the proxy` },
      1,
      undefined,
      toggles.paused,
    );
    if (s.logged) this.emit('decided', { record: rec, request: s.request });
    const limitMb = Math.round(config.maxBodyBytes / 1024 / 1024);
    s.reply.sendError(413, 'request_too_large', `proxy: request body exceeds CCP_MAX_BODY_MB (${limitMb} MB)`);
    if (s.logged) {
      const obs = {
        status: 413,
        endedAt: performance.now(),
        respBytes: 0,
        usage: {},
        redialled: false,
        signatures: [],
        errType: 'bad_request' as const,
      };
      this.emit('completed', {
        record: completionRecord(rec, obs, s.t0, { final: true, proxy_status: 413 }),
        request: s.request,
      });
    }
  }
}

function withBusiest(b: { name: string; pct: number } | undefined): {
  subscriptionBusiest?: { name: string; pct: number };
} {
  return b ? { subscriptionBusiest: b } : {};
}

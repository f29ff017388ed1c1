// The router: a plain loopback HTTP server behind the front. It owns everything lane-related:
// decide → rewrite → forward → stream through unbuffered while observing → attempt events (DESIGN §1–3).
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { Config, HeaderMode } from '../common/config.js';
import { cooldownFor } from './cooldown.js';
import { decide, isMessagesPath, mapModel, type LaneDecision } from './decide.js';
import { anthropicErrorEvent, anthropicErrorJson, type AnthropicErrorType } from './errors.js';
import { anthropicLaneHeaders, responseHeaders, zaiLaneHeaders, type OutHeaders } from './headers.js';
import type { LiveState } from './live-state.js';
import { readMessagesBody } from './messages-body.js';
import { SseObserver, observeJsonBody, type Usage } from './sse.js';
import { SignatureMemory, signaturesInMessage, stripForeignThinking } from './thinking-guard.js';
import { SCHEMA_VERSION, type ErrType, type Lane, type UsageRecord } from '../common/log-schema.js';

/** JSON bodies are kept (for usage and error codes) up to this size; larger ones are relayed without it. */
const MAX_JSON_OBSERVE = 4 << 20;

export interface RequestInfo {
  rid: string;
  method: string;
  path: string;
  query: string;
  body: Buffer;
  /** The body as a JSON object (parsed at most once, and only when needed), for /v1/messages requests. */
  json(): Record<string, unknown> | undefined;
  model: string | undefined;
  stream: boolean;
  h2: boolean;
  rawHeaders: string[];
}

/** What one upstream attempt looks like to observers. */
export interface AttemptEvent {
  record: UsageRecord;
  request: RequestInfo;
}

export interface RouterEvents {
  decided: [AttemptEvent];
  completed: [AttemptEvent];
}

export interface RouterOptions {
  config: Config;
  state: LiveState;
  frontSecret: string;
  /** Extra CA certificates (PEM) trusted for upstream TLS. */
  upstreamCa?: string;
  /** Answers the /__ccp/ control endpoints. */
  control: { handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>; closeStreams(): void };
}

interface LaneTarget {
  lane: Lane;
  url: URL;
  headers: OutHeaders;
  body: Buffer;
  upstreamModel?: string;
  headerMode?: HeaderMode;
  thinkingRemoved?: number;
}

/** How an attempt ended, for the attempt loop. */
type AttemptOutcome = { kind: 'done' } | { kind: 'retry_header_mode' } | { kind: 'fallback' };

interface AttemptOptions {
  attempt: number;
  decision: LaneDecision;
  /** A Z.AI 401 may be retried once in the other header mode: its status arrives before any byte is relayed. */
  retry401: boolean;
  /** A Z.AI failure before any byte may be retried on Anthropic. */
  canFallback: boolean;
  extra?: Partial<UsageRecord>;
  onStatus?: (status: number) => void;
}

function errTypeForStatus(status: number): ErrType | undefined {
  if (status === 401) return '401';
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return undefined;
}

/** Z.AI answers worth a fallback: rate limits and server-side failures (529 overloaded included). */
function fallbackStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function safeEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Short request id. Not a secret, so a fast non-crypto source is enough (crypto.randomBytes showed in profiles). */
function newRid(): string {
  return ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
}

/** How long an idle upstream socket stays pooled (shorter when the server announces less). */
const POOLED_SOCKET_IDLE_MS = 30_000;

/**
 * A kept-alive socket the server closed while idle fails the next request written on it before any
 * response byte: the server never saw that request, so it is safe to send again on a new connection.
 */
function isStaleSocketError(req: http.ClientRequest, err: NodeJS.ErrnoException): boolean {
  return req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
}

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

export class Router extends EventEmitter<RouterEvents> {
  private readonly server: http.Server;
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  /** One-off connections for the retry after a stale kept-alive socket (the pool may hold more stale ones). */
  private readonly freshHttpsAgent: https.Agent;
  private readonly freshHttpAgent: http.Agent;
  /** Requests that reached the router over its loopback port (the rest were handed over in-process). */
  loopbackRequests = 0;
  /** Thinking signatures Z.AI produced in this process (hashed, bounded). */
  readonly zaiSignatures = new SignatureMemory();
  /** Ends every attempt still in flight, so a shutdown still writes their completion lines. */
  private readonly inFlight = new Set<() => void>();
  port = 0;

  constructor(private readonly opts: RouterOptions) {
    super();
    // Extra roots are added to, not substituted for, the public roots. One secure context built once:
    // a `ca` option would make https.Agent fold every root certificate into its pool key per request.
    const secureContext = opts.upstreamCa ? tls.createSecureContext({ ca: [...tls.rootCertificates, opts.upstreamCa] }) : undefined;
    // `timeout` is the idle life of a pooled socket; with it set, Node also honours a server's
    // `Keep-Alive: timeout=N` hint and drops the socket a second before the server would.
    const pool = { keepAlive: true, timeout: POOLED_SOCKET_IDLE_MS };
    this.httpsAgent = new https.Agent({ ...pool, ...(secureContext ? { secureContext } : {}) });
    this.httpAgent = new http.Agent(pool);
    this.freshHttpsAgent = new https.Agent({ keepAlive: false, ...(secureContext ? { secureContext } : {}) });
    this.freshHttpAgent = new http.Agent({ keepAlive: false });
    this.server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      this.loopbackRequests++;
      if (!safeEqual(header(req, 'x-ccp-front'), this.opts.frontSecret)) {
        req.resume();
        this.sendError(res, 403, 'permission_error', 'proxy: the router only serves requests from its own front');
        return;
      }
      this.serve(req, res, { route: header(req, 'x-ccp-route') === 'control' ? 'control' : 'api', h2: header(req, 'x-ccp-h2') === '1' });
    });
    // Long generations must not be cut by Node's server-side timeouts.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Abort every attempt in flight (err_type shutdown); their completion lines are written before this returns. */
  abortInFlight(): void {
    for (const abort of [...this.inFlight]) abort();
  }

  async close(): Promise<void> {
    this.abortInFlight();
    this.opts.control.closeStreams();
    for (const agent of [this.httpsAgent, this.httpAgent, this.freshHttpsAgent, this.freshHttpAgent]) agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Log a request the front rejected before it could reach the router (malformed HTTP → 400). */
  recordRejected(info: { code: string; method?: string | undefined; path?: string | undefined; h2: boolean }): void {
    const request: RequestInfo = {
      rid: newRid(),
      method: info.method ?? '?',
      path: info.path ?? '(unparsed)',
      query: '',
      body: Buffer.alloc(0),
      json: () => undefined,
      model: undefined,
      stream: false,
      h2: info.h2,
      rawHeaders: [],
    };
    const record: UsageRecord = {
      v: SCHEMA_VERSION,
      event: 'decision',
      ts: Date.now() / 1000,
      rid: request.rid,
      attempt: 1,
      lane: 'anthropic',
      decision: 'pass_through',
      reason: `malformed HTTP from the client (${info.code}) → 400 from the proxy`,
      path: request.path,
      h2: info.h2,
      paused: this.opts.state.paused,
    };
    this.emit('decided', { record, request });
    this.emit('completed', { record: { ...record, event: 'complete', ts: Date.now() / 1000, status: 400, err_type: 'bad_request', error: info.code }, request });
  }

  private sendError(res: http.ServerResponse, status: number, type: AnthropicErrorType, message: string): void {
    const body = anthropicErrorJson(type, message);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  /**
   * Serve one client request: from the front in-process (the usual path) or over the loopback port.
   * Nothing escapes: on an internal error the client gets an error and the proxy keeps running.
   */
  serve(req: http.IncomingMessage, res: http.ServerResponse, via: { route: 'api' | 'control'; h2: boolean }): void {
    this.handle(req, res, via).catch((err: unknown) => {
      if (!res.headersSent) this.sendError(res, 500, 'api_error', `proxy: internal error (${(err as Error).message})`);
      else res.destroy();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, via: { route: 'api' | 'control'; h2: boolean }): Promise<void> {
    if (via.route === 'control') {
      await this.opts.control.handle(req, res);
      return;
    }
    const { config, state } = this.opts;
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';

    const { body, tooLarge } = await readBody(req, config.maxBodyBytes);
    const t0 = performance.now();
    // Not JSON, or not a messages call: it goes to Anthropic untouched, which answers it (pass_through).
    const parsed = !tooLarge && isMessagesPath(method, path) ? readMessagesBody(body) : undefined;
    const request: RequestInfo = {
      rid: newRid(),
      method,
      path,
      query: q === -1 ? '' : rawUrl.slice(q),
      body,
      json: parsed ? parsed.json : () => undefined,
      model: parsed?.model,
      stream: parsed?.stream ?? false,
      h2: via.h2,
      rawHeaders: req.rawHeaders,
    };
    const logged = !config.filterChain || isMessagesPath(method, path);
    const laneDecision = decide({
      method,
      path,
      model: request.model,
      forceHaikuToZai: config.forceHaikuToZai,
      paused: state.paused,
      hasZaiKey: config.zaiApiKey !== undefined,
      zaiCoolingDown: state.coolingDown(),
    });

    if (tooLarge) {
      const rec = this.baseRecord(request, laneDecision, 1, this.anthropicTarget(request));
      if (logged) this.emit('decided', { record: rec, request });
      const limitMb = Math.round(config.maxBodyBytes / 1024 / 1024);
      this.sendError(res, 413, 'request_too_large', `proxy: request body exceeds CCP_MAX_BODY_MB (${limitMb} MB)`);
      if (logged) {
        this.emit('completed', {
          record: { ...rec, event: 'complete', ts: Date.now() / 1000, status: 413, err_type: 'bad_request', latency_ms: round(performance.now() - t0) },
          request,
        });
      }
      return;
    }
    await this.runAttempts(res, request, laneDecision, t0, logged);
  }

  /**
   * The attempt loop. On the Z.AI lane: a 401 is retried once in the other header mode (the mode that
   * worked is kept); a failure before any byte reached the client falls back once to Anthropic with the
   * client's original request. Nothing is retried after a byte has been relayed.
   */
  private async runAttempts(res: http.ServerResponse, request: RequestInfo, d: LaneDecision, t0: number, logged: boolean): Promise<void> {
    const { config, state } = this.opts;
    if (d.lane === 'anthropic') {
      await this.attempt(res, request, this.anthropicTarget(request), t0, logged, { attempt: 1, decision: d, retry401: false, canFallback: false });
      return;
    }
    let attemptNo = 1;
    let target = this.zaiTarget(request, state.zaiHeaderMode);
    let outcome = await this.attempt(res, request, target, t0, logged, { attempt: attemptNo, decision: d, retry401: true, canFallback: config.fallback });
    if (outcome.kind === 'retry_header_mode') {
      const other: HeaderMode = target.headerMode === 'authorization' ? 'x-api-key' : 'authorization';
      target = this.zaiTarget(request, other);
      outcome = await this.attempt(res, request, target, t0, logged, {
        attempt: ++attemptNo,
        decision: d,
        retry401: false,
        canFallback: config.fallback,
        extra: { retry: true },
        onStatus: (status) => {
          if (status !== 401) state.zaiHeaderMode = other;
        },
      });
    }
    if (outcome.kind === 'fallback') {
      const fallback: LaneDecision = { lane: 'anthropic', decision: 'fallback', reason: 'z.ai failed before any byte → anthropic lane' };
      await this.attempt(res, request, this.anthropicTarget(request), t0, logged, {
        attempt: ++attemptNo,
        decision: fallback,
        retry401: false,
        canFallback: false,
        extra: { fallback_from: 'zai' },
      });
    }
  }

  private zaiTarget(request: RequestInfo, mode: HeaderMode): LaneTarget {
    const { config } = this.opts;
    let body = request.body;
    let upstreamModel: string | undefined;
    const mapped = request.model ? mapModel(request.model, config.zaiModelMap) : undefined;
    const json = mapped ? request.json() : undefined;
    if (mapped && json) {
      body = Buffer.from(JSON.stringify({ ...json, model: mapped }));
      upstreamModel = mapped;
    }
    return {
      lane: 'zai',
      url: joinUrl(config.zaiBaseUrl, request.path, request.query),
      headers: zaiLaneHeaders(request.rawHeaders, body.length, { key: config.zaiApiKey ?? '', mode, anthVersion: config.anthVersion }),
      body,
      ...(upstreamModel ? { upstreamModel } : {}),
      headerMode: mode,
    };
  }

  /** The client's own request, byte for byte, except history blocks that Z.AI signed (the one repair). */
  private anthropicTarget(request: RequestInfo): LaneTarget {
    let body = request.body;
    let thinkingRemoved: number | undefined;
    const json = this.zaiSignatures.size > 0 && body.includes('"thinking"') ? request.json() : undefined;
    if (json) {
      const guarded = stripForeignThinking(json, (sig) => this.zaiSignatures.has(sig));
      if (guarded.removed > 0) {
        body = Buffer.from(JSON.stringify(guarded.body));
        thinkingRemoved = guarded.removed;
      }
    }
    const hasBody = body.length > 0 || !['GET', 'HEAD'].includes(request.method);
    return {
      lane: 'anthropic',
      url: joinUrl(this.opts.config.anthBaseUrl, request.path, request.query),
      headers: anthropicLaneHeaders(request.rawHeaders, body.length, hasBody),
      body,
      ...(thinkingRemoved ? { thinkingRemoved } : {}),
    };
  }

  private baseRecord(request: RequestInfo, d: LaneDecision, attempt: number, target: LaneTarget, extra: Partial<UsageRecord> = {}): UsageRecord {
    return {
      v: SCHEMA_VERSION,
      event: 'decision',
      ts: Date.now() / 1000,
      rid: request.rid,
      attempt,
      lane: d.lane,
      upstream: target.url.host,
      ...(request.model !== undefined ? { model: request.model } : {}),
      ...(target.upstreamModel ? { upstream_model: target.upstreamModel } : {}),
      decision: d.decision,
      reason: d.reason,
      path: request.path,
      ...(isMessagesPath(request.method, request.path) ? { op: request.stream ? 'stream' : 'nonstream' } : {}),
      req_bytes: target.body.length,
      h2: request.h2,
      ...(target.headerMode ? { header_mode: target.headerMode } : {}),
      paused: this.opts.state.paused,
      ...(target.thinkingRemoved ? { thinking_removed: target.thinkingRemoved } : {}),
      ...extra,
    };
  }

  private attempt(res: http.ServerResponse, request: RequestInfo, target: LaneTarget, t0: number, logged: boolean, opts: AttemptOptions): Promise<AttemptOutcome> {
    const { config, state } = this.opts;
    const d = opts.decision;
    const base = this.baseRecord(request, d, opts.attempt, target, opts.extra);
    if (logged) this.emit('decided', { record: base, request });
    const firstByteMs = request.stream || !isMessagesPath(request.method, request.path) ? config.firstByteTimeoutMs : config.nonstreamTimeoutMs;

    return new Promise<AttemptOutcome>((resolve) => {
      let finished = false;
      let status = 0;
      let ttfb: number | undefined;
      let respBytes = 0;
      let isSse = false;
      const sse = new SseObserver(target.lane === 'zai');
      const jsonChunks: Buffer[] = [];
      let jsonBytes = 0;
      let requestId: string | undefined;
      let idleTimer: NodeJS.Timeout | undefined;

      const finish = (extra: Partial<UsageRecord>, outcome: AttemptOutcome = { kind: 'done' }): void => {
        if (finished) return;
        finished = true;
        this.inFlight.delete(abortForShutdown);
        clearTimeout(idleTimer);
        clearTimeout(connectTimer);
        const now = performance.now();
        let usage: Usage = {};
        let stopReason: string | undefined;
        let streamFields: Partial<UsageRecord> = {};
        let streamErr: ErrType | undefined;
        let signatures: string[] = [];
        if (isSse) {
          const o = sse.end();
          usage = o.usage;
          stopReason = o.stopReason;
          signatures = o.signatures;
          const firstToken = o.firstDeltaAt ?? o.firstEventAt;
          streamFields = {
            sse_events: o.events,
            ...(firstToken !== undefined ? { ttft_ms: round(firstToken - t0) } : {}),
            ...(o.firstEventAt !== undefined && o.lastEventAt !== undefined ? { stream_ms: round(o.lastEventAt - o.firstEventAt) } : {}),
          };
          if (o.error) streamErr = 'stream_error';
        } else if (jsonChunks.length) {
          const text = Buffer.concat(jsonChunks).toString('utf8');
          const o = observeJsonBody(text);
          usage = o.usage;
          stopReason = o.stopReason;
          if (target.lane === 'zai' && text.includes('"thinking"')) {
            try {
              signatures = signaturesInMessage(JSON.parse(text));
            } catch {
              // not a message
            }
          }
          if (target.lane === 'zai' && status >= 400) this.maybeCooldown(status, text);
        }
        if (target.lane === 'zai') for (const s of signatures) this.zaiSignatures.remember(s);
        const record: UsageRecord = {
          ...base,
          event: 'complete',
          ts: Date.now() / 1000,
          status,
          ...(errTypeForStatus(status) ? { err_type: errTypeForStatus(status) } : {}),
          ...(streamErr ? { err_type: streamErr } : {}),
          latency_ms: round(now - t0),
          ...(ttfb !== undefined ? { ttfb_ms: round(ttfb) } : {}),
          ...streamFields,
          ...usage,
          ...(stopReason ? { stop_reason: stopReason } : {}),
          resp_bytes: respBytes,
          ...(requestId ? { request_id: requestId } : {}),
          ...extra,
        };
        if (logged) this.emit('completed', { record, request });
        resolve(outcome);
      };

      const abortForShutdown = (): void => {
        const msg = 'proxy: shutting down with this request in flight';
        finish({ err_type: 'shutdown', error: msg, ...(res.headersSent ? {} : { status: 0 }) });
        current.destroy();
        res.destroy();
      };
      this.inFlight.add(abortForShutdown);

      const isHttps = target.url.protocol === 'https:';
      let connectTimer: NodeJS.Timeout | undefined;
      let staleSocketRetried = false;
      // The client went away (Esc in Claude Code): abort the upstream at once, so generation stops there too.
      const onClientClose = (): void => {
        if (finished || res.writableFinished) return;
        current.destroy();
        finish({ status, err_type: 'client_abort' });
      };
      res.on('close', onClientClose);

      const dial = (fresh: boolean): http.ClientRequest => {
        const upReq = (isHttps ? https : http).request({
          protocol: target.url.protocol,
          hostname: target.url.hostname,
          port: target.url.port || undefined,
          method: request.method,
          path: target.url.pathname + target.url.search,
          headers: target.headers,
          agent: isHttps ? (fresh ? this.freshHttpsAgent : this.httpsAgent) : fresh ? this.freshHttpAgent : this.httpAgent,
          timeout: firstByteMs,
        });

        // Connect timeout: only until a new socket is connected (kept-alive sockets are already).
        connectTimer = setTimeout(() => upReq.destroy(timeoutError(`connect timeout after ${config.connectTimeoutMs} ms`)), config.connectTimeoutMs);
        upReq.on('socket', (socket) => {
          if (!socket.connecting) {
            clearTimeout(connectTimer);
            return;
          }
          socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
        });
        upReq.on('timeout', () => upReq.destroy(timeoutError(`no response headers within ${firstByteMs} ms`)));

        upReq.on('error', (err: NodeJS.ErrnoException) => {
          if (finished) return;
          if (status === 0 && !staleSocketRetried && isStaleSocketError(upReq, err)) {
            staleSocketRetried = true;
            clearTimeout(connectTimer);
            current = dial(true);
            return;
          }
          const timedOut = err.code === 'ETIMEDOUT';
          const errType: ErrType = timedOut ? 'timeout' : 'net';
          const msg = `proxy: ${target.lane} upstream ${target.url.host} ${timedOut ? 'timed out' : 'unreachable'} (${timedOut ? err.message : (err.code ?? err.message)})`;
          if (res.headersSent) {
            this.failMidStream(res, isSse, msg);
            finish({ err_type: timedOut ? 'timeout' : 'stream_error', error: msg });
          } else if (opts.canFallback) {
            res.off('close', onClientClose);
            finish({ status: 0, err_type: errType, error: msg }, { kind: 'fallback' });
          } else {
            this.sendError(res, timedOut ? 504 : 502, timedOut ? 'timeout_error' : 'api_error', msg);
            finish({ status: 0, err_type: errType, error: msg });
          }
        });

        upReq.on('response', (upRes) => {
          clearTimeout(connectTimer);
          upReq.setTimeout(0);
          ttfb = performance.now() - t0;
          status = upRes.statusCode ?? 0;
          opts.onStatus?.(status);
          const rid = upRes.headers['request-id'];
          if (typeof rid === 'string') requestId = rid;

          // Nothing has reached the client yet: this answer may be replaced by another attempt.
          const retry401 = opts.retry401 && status === 401;
          const fallback = opts.canFallback && fallbackStatus(status);
          if ((retry401 || fallback) && !res.headersSent) {
            const chunks: Buffer[] = [];
            let size = 0;
            upRes.on('data', (c: Buffer) => {
              if (size < 1 << 20) chunks.push(c);
              size += c.length;
            });
            const done = (): void => {
              const text = Buffer.concat(chunks).toString('utf8');
              this.maybeCooldown(status, text, upRes.headers['retry-after']);
              res.off('close', onClientClose);
              finish({}, retry401 ? { kind: 'retry_header_mode' } : { kind: 'fallback' });
            };
            upRes.on('end', done);
            upRes.on('error', done);
            return;
          }

          const ct = String(upRes.headers['content-type'] ?? '');
          isSse = ct.includes('text/event-stream');
          const isJson = ct.includes('json');
          if (target.lane === 'zai' && status === 429) this.maybeCooldown(status, '', upRes.headers['retry-after']);
          res.writeHead(status, upRes.statusMessage, responseHeaders(upRes.rawHeaders));
          // Headers reach the client at once: with the first body chunk when that came in the same
          // read (one write, one TLS record), otherwise on the next turn of the event loop, so a
          // stream's headers never wait for its first event.
          let bodyStarted = false;
          setImmediate(() => {
            if (!bodyStarted && !res.writableEnded && !res.destroyed) res.flushHeaders();
          });

          let wentIdle = false;
          idleTimer = setTimeout(() => {
            wentIdle = true;
            upRes.destroy(timeoutError(`no data for ${config.idleTimeoutMs} ms`));
          }, config.idleTimeoutMs);
          // Restarted on every chunk: refresh() re-arms the same timer, cheaper than a new one per chunk.
          const armIdle = (): void => void idleTimer?.refresh();

          upRes.on('data', (chunk: Buffer) => {
            bodyStarted = true;
            armIdle();
            respBytes += chunk.length;
            if (isSse) sse.push(chunk, performance.now());
            else if (isJson && jsonBytes + chunk.length <= MAX_JSON_OBSERVE) {
              jsonChunks.push(chunk);
              jsonBytes += chunk.length;
            }
            if (!res.write(chunk)) {
              upRes.pause();
              res.once('drain', () => upRes.resume());
            }
          });
          upRes.on('end', () => {
            clearTimeout(idleTimer);
            res.end(() => finish({}));
          });
          const failed = (err?: NodeJS.ErrnoException): void => {
            if (finished || upRes.complete) return;
            const msg = wentIdle
              ? `proxy: ${target.lane} upstream ${target.url.host} went idle mid-response (no data for ${config.idleTimeoutMs} ms)`
              : `proxy: ${target.lane} upstream ${target.url.host} connection lost mid-response (${err?.code ?? err?.message ?? 'closed'})`;
            this.failMidStream(res, isSse, msg);
            finish({ err_type: wentIdle ? 'timeout' : 'stream_error', error: msg });
          };
          upRes.on('error', failed);
          upRes.on('close', () => failed());
        });

        upReq.end(target.body);
        return upReq;
      };
      let current: http.ClientRequest = dial(false);
    });
  }

  private maybeCooldown(status: number, body: string, retryAfter?: string | string[]): void {
    const c = cooldownFor({
      status,
      body,
      configuredS: this.opts.config.zaiCooldownS,
      nowMs: Date.now(),
      ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
    });
    if (c) this.opts.state.startCooldown(c.seconds, c.why);
  }

  /** After bytes reached the client: an SSE error event, then a failed (not clean) end. */
  private failMidStream(res: http.ServerResponse, isSse: boolean, message: string): void {
    if (res.destroyed) return;
    if (isSse && !res.writableEnded) {
      res.write(anthropicErrorEvent('api_error', message), () => res.destroy());
    } else {
      res.destroy();
    }
  }
}

/** Base URL path prefix + request path + query (the query is kept as the client sent it). */
export function joinUrl(base: URL, path: string, query: string): URL {
  const url = new URL(base.href);
  url.pathname = base.pathname.replace(/\/+$/, '') + path;
  url.search = query;
  return url;
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Keep reading (and discarding) so the 413 reaches the client cleanly.
      tooLarge = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk);
  }
  return { body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks, size), tooLarge };
}

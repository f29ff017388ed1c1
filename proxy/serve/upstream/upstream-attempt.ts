// One upstream attempt: dial, send, then either relay the answer to the client as it streams (watching
// it on the way) or hold it back, read whole and bounded, so the policy can replace it. Every wait is
// timed: connect, first byte, and the silence between two chunks.
import type http from 'node:http';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { ErrType } from '../../common/log-schema.js';
import type { ClientReply } from '../front/client-exchange.js';
import { anthropicErrorEvent } from '../errors.js';
import { responseHeaders } from './headers.js';
import type { LaneTarget } from './lanes.js';
import type { RequestInfo } from '../front/request-info.js';
import { SseObserver, observeJsonBody, type Usage } from './sse.js';
import { unifiedHeaders } from './subscription-limits.js';
import { signaturesInMessage } from './thinking-guard.js';
import type { UpstreamPool } from './upstream-pool.js';

/** JSON bodies are kept (for usage and error codes) up to this size; larger ones are relayed without it. */
const MAX_JSON_OBSERVE = 4 << 20;
/** A held (replaceable) answer is kept up to this size; it is an error body, normally a few hundred bytes. */
const MAX_HELD = 1 << 20;

export interface AttemptTimeouts {
  connectMs: number;
  /** Until the response headers. */
  firstByteMs: number;
  /** The longest silence between two chunks of the answer, held answers included. */
  idleMs: number;
}

export interface AttemptSpec {
  request: RequestInfo;
  target: LaneTarget;
  reply: ClientReply;
  /** performance.now() when the router had the whole request: the zero of every time recorded. */
  t0: number;
  timeouts: AttemptTimeouts;
  pool: UpstreamPool;
  /** Asked once the status is known, before any byte reaches the client: true holds the answer back. */
  hold(status: number, unified?: Record<string, string>): boolean;
}

/** How an attempt ended, for the policy. */
export type AttemptEnd =
  /** The answer went to the client (completely, or failed on the way: see errType). */
  | { kind: 'relayed' }
  /** Nothing reached the client: the answer was read whole (or as far as it came) and kept. */
  | { kind: 'held'; statusMessage: string | undefined; rawHeaders: string[]; body: Buffer }
  /** No answer at all (refused, reset, DNS, TLS, a timeout before the headers); nothing reached the client. */
  | { kind: 'unreachable'; timedOut: boolean }
  /** The client went away, or the proxy is shutting down. */
  | { kind: 'aborted' };

/** What was seen of the attempt, for its completion line. */
export interface AttemptObservation {
  status: number;
  ttfbMs?: number;
  /** performance.now() when the attempt ended. */
  endedAt: number;
  respBytes: number;
  usage: Usage;
  stopReason?: string;
  /** The model the answer says it came from (message_start.message.model, or the JSON body's model). */
  servedModel?: string;
  /** The answer's message id (what a Message Thread continues from). */
  messageId?: string;
  sseEvents?: number;
  firstEventAt?: number;
  firstTokenAt?: number;
  lastEventAt?: number;
  requestId?: string;
  retryAfter?: string;
  errType?: ErrType;
  error?: string;
  /** The request was sent again on a fresh connection after a kept-alive one turned out dead. */
  redialled: boolean;
  /** Thinking signatures in the answer. */
  signatures: string[];
  /** The answer's JSON text, when it was JSON and small enough (error codes live there). */
  jsonText?: string;
  /** Anthropic lane: the subscription's anthropic-ratelimit-unified-* headers, when the answer had them. */
  unifiedRateLimit?: Record<string, string>;
}

export interface AttemptResult {
  end: AttemptEnd;
  obs: AttemptObservation;
}

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

/**
 * A kept-alive socket the server closed while idle fails the next request written on it before any
 * response byte: the server never saw that request, so it is safe to send again on a new connection.
 */
function isStaleSocketError(req: http.ClientRequest, err: NodeJS.ErrnoException): boolean {
  return req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
}

export class UpstreamAttempt {
  private finished = false;
  private resolve!: (r: AttemptResult) => void;
  private upReq: http.ClientRequest | undefined;
  private upRes: http.IncomingMessage | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private wentIdle = false;
  /** The last two bytes relayed to the client: whether the proxy's own SSE frame starts on an event boundary. */
  private relayedTail: Buffer = Buffer.alloc(0);
  private redialled = false;
  private status = 0;
  private ttfb: number | undefined;
  private requestId: string | undefined;
  private retryAfter: string | undefined;
  private unified: Record<string, string> | undefined;
  private respBytes = 0;
  private sse: SseObserver | undefined;
  private readonly jsonChunks: Buffer[] = [];
  private jsonBytes = 0;
  private isJson = false;
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  private holding = false;
  private readonly onClientClose = (): void => this.clientClosed();

  constructor(private readonly spec: AttemptSpec) {}

  private get where(): string {
    return `${this.spec.target.lane} upstream ${this.spec.target.url.host}`;
  }

  run(): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve) => {
      this.resolve = resolve;
      this.spec.reply.onClose(this.onClientClose);
      this.dial(false);
    });
  }

  /** End the attempt now (proxy shutdown): both connections are closed. */
  abort(message: string): void {
    const { reply } = this.spec;
    this.finish(
      { kind: 'aborted' },
      { errType: 'shutdown', error: message, ...(reply.headersSent ? {} : { status: 0 }) },
    );
    this.upReq?.destroy();
    reply.destroy();
  }

  private dial(fresh: boolean): void {
    const { request, target, timeouts } = this.spec;
    const req = this.spec.pool.request(
      target.url,
      { method: request.method, headers: target.headers, timeout: timeouts.firstByteMs },
      fresh,
    );
    this.upReq = req;
    // Connect timeout: only until a new socket is connected (kept-alive sockets already are).
    this.connectTimer = setTimeout(
      () => req.destroy(timeoutError(`connect timeout after ${timeouts.connectMs} ms`)),
      timeouts.connectMs,
    );
    req.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(this.connectTimer);
      else
        socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () =>
          clearTimeout(this.connectTimer),
        );
    });
    req.on('timeout', () => req.destroy(timeoutError(`no response headers within ${timeouts.firstByteMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => this.onRequestError(req, err));
    req.on('response', (res) => this.onResponse(res));
    req.end(target.body);
  }

  private onRequestError(req: http.ClientRequest, err: NodeJS.ErrnoException): void {
    if (this.finished) return;
    if (this.status === 0 && !this.redialled && isStaleSocketError(req, err)) {
      this.redialled = true;
      clearTimeout(this.connectTimer);
      this.dial(true);
      return;
    }
    const timedOut = err.code === 'ETIMEDOUT';
    const error = `proxy: ${this.where} ${timedOut ? 'timed out' : 'unreachable'} (${timedOut ? err.message : (err.code ?? err.message)})`;
    if (this.spec.reply.headersSent) {
      this.failMidStream(error);
      this.finish({ kind: 'relayed' }, { errType: timedOut ? 'timeout' : 'stream_error', error });
    } else if (this.holding) {
      this.endHold(timedOut || this.wentIdle ? 'timeout' : 'stream_error', error);
    } else {
      this.finish({ kind: 'unreachable', timedOut }, { status: 0, errType: timedOut ? 'timeout' : 'net', error });
    }
  }

  private onResponse(res: http.IncomingMessage): void {
    clearTimeout(this.connectTimer);
    this.upReq!.setTimeout(0);
    this.upRes = res;
    this.ttfb = performance.now() - this.spec.t0;
    this.status = res.statusCode ?? 0;
    const rid = res.headers['request-id'];
    if (typeof rid === 'string') this.requestId = rid;
    const ra = res.headers['retry-after'];
    if (typeof ra === 'string') this.retryAfter = ra;
    if (this.spec.target.lane === 'anthropic') this.unified = unifiedHeaders(res.rawHeaders);
    const ct = String(res.headers['content-type'] ?? '');
    this.isJson = ct.includes('json');
    this.holding = this.spec.hold(this.status, this.unified);
    if (!this.holding) this.startRelay(res, ct.includes('text/event-stream'));
    this.armIdle();
    res.on('data', (chunk: Buffer) => this.onData(chunk));
    res.on('end', () => this.onEnd());
    res.on('error', (err: NodeJS.ErrnoException) => this.onResponseFailed(err));
    res.on('close', () => this.onResponseFailed());
  }

  /** The status and headers go to the client now; the body follows chunk by chunk. */
  private startRelay(res: http.IncomingMessage, isSse: boolean): void {
    const { reply, target } = this.spec;
    if (isSse) this.sse = new SseObserver(target.lane === 'zai');
    reply.writeHead(this.status, res.statusMessage, responseHeaders(res.rawHeaders));
    // Headers reach the client at once: with the first body chunk when that came in the same read
    // (one write, one TLS record), otherwise on the next turn of the event loop, so a stream's
    // headers never wait for its first event.
    setImmediate(() => {
      if (this.respBytes === 0 && !reply.ended && !reply.gone) reply.flushHeaders();
    });
  }

  /** Restarted on every chunk: refresh() re-arms the same timer, cheaper than a new one per chunk. */
  private armIdle(): void {
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.wentIdle = true;
      this.upRes?.destroy(timeoutError(`no data for ${this.spec.timeouts.idleMs} ms`));
    }, this.spec.timeouts.idleMs);
  }

  private onData(chunk: Buffer): void {
    this.armIdle();
    this.respBytes += chunk.length;
    if (this.holding) {
      if (this.heldBytes < MAX_HELD) this.held.push(chunk);
      this.heldBytes += chunk.length;
      return;
    }
    if (this.sse) this.sse.push(chunk, performance.now());
    else if (this.isJson && this.jsonBytes + chunk.length <= MAX_JSON_OBSERVE) {
      this.jsonChunks.push(chunk);
      this.jsonBytes += chunk.length;
    }
    const { reply } = this.spec;
    if (chunk.length)
      this.relayedTail = chunk.length >= 2 ? chunk.subarray(-2) : Buffer.concat([this.relayedTail, chunk]).subarray(-2);
    if (!reply.write(chunk)) {
      this.upRes!.pause();
      reply.onceDrain(() => this.upRes!.resume());
    }
  }

  private onEnd(): void {
    clearTimeout(this.idleTimer);
    if (this.holding) this.endHold();
    else this.spec.reply.end(() => this.finish({ kind: 'relayed' }, {}));
  }

  private onResponseFailed(err?: NodeJS.ErrnoException): void {
    if (this.finished || this.upRes?.complete) return;
    const idleMs = this.spec.timeouts.idleMs;
    if (this.holding) {
      // What came of the held answer is enough to decide on; the policy is told how it ended.
      this.endHold(
        this.wentIdle ? 'timeout' : 'stream_error',
        this.wentIdle
          ? `proxy: ${this.where} went idle mid-response (no data for ${idleMs} ms)`
          : `proxy: ${this.where} connection lost mid-response (${err?.code ?? err?.message ?? 'closed'})`,
      );
      return;
    }
    const error = this.wentIdle
      ? `proxy: ${this.where} went idle mid-response (no data for ${idleMs} ms)`
      : `proxy: ${this.where} connection lost mid-response (${err?.code ?? err?.message ?? 'closed'})`;
    this.failMidStream(error);
    this.finish({ kind: 'relayed' }, { errType: this.wentIdle ? 'timeout' : 'stream_error', error });
  }

  private endHold(errType?: ErrType, error?: string): void {
    const res = this.upRes;
    const body = Buffer.concat(this.held);
    if (this.isJson && body.length <= MAX_JSON_OBSERVE) this.jsonChunks.push(body);
    this.finish(
      { kind: 'held', statusMessage: res?.statusMessage, rawHeaders: res?.rawHeaders ?? [], body },
      errType ? { errType, ...(error ? { error } : {}) } : {},
    );
    res?.destroy();
  }

  /** The client went away (Esc in Claude Code): abort the upstream at once, so generation stops there too. */
  private clientClosed(): void {
    if (this.finished || this.spec.reply.finished) return;
    this.upReq?.destroy();
    this.finish({ kind: 'aborted' }, { errType: 'client_abort' });
  }

  /** After bytes reached the client: an SSE error event, then a failed (not clean) end. */
  private failMidStream(message: string): void {
    const { reply } = this.spec;
    if (reply.gone) return;
    if (this.sse && !reply.ended)
      reply.write(anthropicErrorEvent('api_error', message, this.relayedTail), () => reply.destroy());
    else reply.destroy();
  }

  private finish(end: AttemptEnd, extra: Partial<AttemptObservation>): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.connectTimer);
    this.spec.reply.offClose(this.onClientClose);
    this.resolve({ end, obs: { ...this.observe(), ...extra } });
  }

  private observe(): AttemptObservation {
    const obs: AttemptObservation = {
      status: this.status,
      endedAt: performance.now(),
      respBytes: this.respBytes,
      usage: {},
      redialled: this.redialled,
      signatures: [],
      ...(this.ttfb !== undefined ? { ttfbMs: this.ttfb } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
      ...(this.retryAfter ? { retryAfter: this.retryAfter } : {}),
      ...(this.unified ? { unifiedRateLimit: this.unified } : {}),
    };
    if (this.sse) {
      const o = this.sse.end();
      obs.usage = o.usage;
      obs.signatures = o.signatures;
      obs.sseEvents = o.events;
      if (o.stopReason) obs.stopReason = o.stopReason;
      if (o.model) obs.servedModel = o.model;
      if (o.messageId) obs.messageId = o.messageId;
      if (o.firstEventAt !== undefined) obs.firstEventAt = o.firstEventAt;
      if (o.lastEventAt !== undefined) obs.lastEventAt = o.lastEventAt;
      const firstToken = o.firstDeltaAt ?? o.firstEventAt;
      if (firstToken !== undefined) obs.firstTokenAt = firstToken;
      if (o.error) obs.errType = 'stream_error';
    } else if (this.jsonChunks.length) {
      const text = Buffer.concat(this.jsonChunks).toString('utf8');
      const o = observeJsonBody(text);
      obs.usage = o.usage;
      obs.jsonText = text;
      if (o.stopReason) obs.stopReason = o.stopReason;
      if (o.model) obs.servedModel = o.model;
      if (o.messageId) obs.messageId = o.messageId;
      if (this.spec.target.lane === 'zai' && text.includes('"thinking"')) {
        try {
          obs.signatures = signaturesInMessage(JSON.parse(text));
        } catch {
          // not a message
        }
      }
    }
    return obs;
  }
}

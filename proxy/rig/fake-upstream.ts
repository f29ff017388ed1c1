// A simulated Anthropic-compatible upstream, with an Anthropic or a Z.AI personality, used by demo,
// tests, pilot, load and bench. It records exactly what crossed the wire and answers JSON and
// realistic, spaced SSE; faults and the Z.AI personality (zai-personality.ts) make it fail the ways the
// real upstreams do.
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { TlsMaterial } from './test-ca.js';
import { abruptClose, faultPlan, stallAnswer, type Fault } from './fake-faults.js';
import {
  defaultPlanUsage,
  exhaustedWindow,
  quotaEndpointAnswer,
  type QuotaBehaviour,
  refusedBeta,
  strictSchemaProblem,
  zaiErrorAnswer,
  zaiKnowsModel,
  type PlanUsage,
} from './zai-personality.js';
import type { AnswerPlan, ToolUse, WireUsage } from './fake-message.js';
import { type SentResponse, writeJsonAnswer, writeStreamAnswer } from './fake-answer-writer.js';
import { AnthropicMemory } from './fake-anthropic.js';
import { type Delegation, scriptedToolUses } from './fake-delegation.js';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  receivedAt: number;
  /** The status the fake answered it with (set when the answer's head is written). */
  status?: number;
}

export type { WireUsage };

export type { SentResponse };

export type { Fault };

export interface FakeUpstreamOptions {
  name: string;
  tls?: TlsMaterial;
  /** Path prefix the API lives under, e.g. /api/anthropic for the Z.AI shape. */
  prefix?: string;
  /** When set, /v1/messages needs this key (in the given header, or either). */
  requireKey?: { value: string; header?: 'x-api-key' | 'authorization' | 'either' };
  /** SSE content_block_delta events per streamed answer, and the gap between them. */
  deltas?: number;
  eventGapMs?: number;
  usage?: WireUsage;
  /**
   * How thinking blocks are signed: 'anthropic' signs with a secret and, like the real API, rejects
   * history blocks whose signature it did not issue; 'glm' signs with opaque ids and checks nothing.
   */
  thinking?: 'anthropic' | 'glm';
  /** Put the send time (epoch ms, sub-ms precision) into each text delta, for delivery-delay measurements. */
  stampEvents?: boolean;
  /**
   * 'zai': errors in Z.AI's shape with business codes, streamed usage only in message_delta, the plan's
   * usage at /api/monitor/usage/quota/limit, and 1308/1310 once a window is used up.
   */
  personality?: 'anthropic' | 'zai';
  /** Refuse unknown top-level fields with 400 "<field>: Extra inputs are not permitted": the first one named, or 'all'. */
  strictSchema?: 'first' | 'all';
  /** Strict schema: fields refused besides the unknown ones (a Z.AI deployment that lacks them), for the reactive drop. */
  unknownFields?: string[];
  /** Z.AI personality: answer any model id instead of 1211 for ids Z.AI does not know (a test that must, opts out). */
  anyModel?: boolean;
  /**
   * The tool calls that make the real CLI do real work (fake-delegation.ts): the main thread's first
   * turn calls Claude Code's `Agent` tool (`spawn`, `spawnCount` times at once); a subagent's thread
   * takes `subagentTurns` requests. Later turns get the usual text.
   */
  delegation?: Delegation;
  /** Anthropic personality: the subscription's unified rate-limit headers, sent on answers to OAuth (subscription) requests. */
  unifiedRateLimit?: Record<string, string>;
  /**
   * Z.AI personality: how many /v1/messages requests it answers at once; one more while that many are
   * in flight gets 429 code 1302 "High concurrency usage" (the plan's concurrency limit).
   */
  maxConcurrent?: number;
}

const DEFAULT_USAGE: WireUsage = {
  input_tokens: 42,
  output_tokens: 17,
  cache_creation_input_tokens: 5,
  cache_read_input_tokens: 11,
};

function newRequestId(): string {
  return `req_fake_${randomBytes(6).toString('hex')}`;
}

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: newRequestId() });
}

function credentialOf(req: http.IncomingMessage, header: 'x-api-key' | 'authorization' | 'either'): string | undefined {
  const apiKey = req.headers['x-api-key'];
  const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
  if (header === 'x-api-key') return typeof apiKey === 'string' ? apiKey : undefined;
  if (header === 'authorization') return bearer;
  return (typeof apiKey === 'string' ? apiKey : undefined) ?? bearer;
}

export class FakeUpstream {
  /** The Anthropic personality's memory: signed thinking, answered message ids, rate-limit headers. */
  private readonly anthropic: AnthropicMemory;
  readonly requests: RecordedRequest[] = [];
  readonly responses: SentResponse[] = [];
  fault: Fault | undefined;
  /** Z.AI personality: the coding plan's windows, served at /api/monitor/usage/quota/limit. */
  planUsage: PlanUsage = defaultPlanUsage();
  /** The reads of the quota endpoint (not in `requests`). */
  readonly quotaReads: RecordedRequest[] = [];
  /**
   * How the quota endpoint answers: the key bare or as a Bearer token ('either'), only one of the two,
   * a 500, or a 200 that is not the expected JSON.
   */
  quotaBehaviour: QuotaBehaviour = 'either';
  private server: http.Server | https.Server;
  private readonly sockets = new Set<Socket>();
  /** Requests seen per connection, so a reused connection can be told from a new one. */
  private readonly requestsOnSocket = new WeakMap<Socket, number>();
  /** Connections accepted so far (keep-alive reuse shows as few). */
  connections = 0;
  /** /v1/messages requests being answered now, and the most at once (what a concurrency limit sees). */
  inFlight = 0;
  peakInFlight = 0;
  port = 0;

  constructor(readonly opts: FakeUpstreamOptions) {
    this.anthropic = new AnthropicMemory(opts);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch(() => res.destroy());
    };
    this.server = opts.tls
      ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
      : http.createServer(handler);
    this.server.on('connection', (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  get name(): string {
    return this.opts.name;
  }

  /** The base URL a lane would be configured with (prefix included). */
  get baseUrl(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}${this.opts.prefix ?? ''}`;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.responses.length = 0;
    this.fault = undefined;
  }

  private get zai(): boolean {
    return this.opts.personality === 'zai';
  }

  /** A whole answer at once; recorded. */
  private send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    payload: string,
    headers: Record<string, string> = {},
  ): void {
    const requestId = newRequestId();
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
    res.end(req.method === 'HEAD' ? undefined : payload);
    this.responses.push({ status, requestId, events: 0, eventTimes: [] });
  }

  /** An error in this personality's shape: Anthropic's, or Z.AI's with a business code. */
  private sendError(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    type: string,
    message: string,
    zaiCode?: number,
  ): void {
    if (this.zai && zaiCode !== undefined) {
      const a = zaiErrorAnswer(zaiCode, { requestId: newRequestId() });
      this.send(req, res, a.status, a.body);
    } else {
      this.send(req, res, status, errorBody(type, `${this.name}: ${message}`));
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const served = this.requestsOnSocket.get(req.socket) ?? 0;
    this.requestsOnSocket.set(req.socket, served + 1);
    if (served > 0 && this.fault?.resetReusedConnections) {
      abruptClose(req.socket);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      receivedAt: Date.now(),
    };
    // What the fake answered, kept with the request: a test's oracle of what crossed the wire.
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => http.ServerResponse;
    res.writeHead = ((...a: unknown[]) => {
      recorded.status = a[0] as number;
      return writeHead(...a);
    }) as typeof res.writeHead;
    const prefix = this.opts.prefix ?? '';
    const fullPath = (req.url ?? '/').split('?')[0]!;
    // Quota reads are kept apart from the API requests the tests count.
    if (this.zai && req.method === 'GET' && fullPath === '/api/monitor/usage/quota/limit') {
      this.quotaReads.push(recorded);
      const a = quotaEndpointAnswer(
        req.headers.authorization,
        this.quotaBehaviour,
        this.opts.requireKey?.value,
        this.planUsage,
      );
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
      return;
    }
    this.requests.push(recorded);
    if (!fullPath.startsWith(prefix)) {
      this.send(req, res, 404, errorBody('not_found_error', `${this.name}: no route ${fullPath}`));
      return;
    }
    const path = fullPath.slice(prefix.length) || '/';
    if (await this.answerFault(req, res)) return;
    if (req.method === 'POST' && path === '/v1/messages') {
      this.inFlight++;
      this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
      res.once('close', () => this.inFlight--);
      await this.answerMessages(req, res, body);
    } else if (req.method === 'POST' && path === '/v1/messages/count_tokens')
      this.send(req, res, 200, JSON.stringify({ input_tokens: Math.max(1, Math.round(body.length / 4)) }));
    // Claude Code's other calls (settings, telemetry, HEAD / probes): a harmless empty answer.
    else this.send(req, res, 200, '{}');
  }

  /** The switched-on fault, if it ends this request before an answer is formed; true when it did. */
  private async answerFault(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const plan = faultPlan(this.fault, this.name);
    if (plan.kind === 'none') return false;
    if (plan.kind === 'hang') return true; // the client or proxy must time out
    if (plan.kind === 'reset') {
      abruptClose(req.socket);
      return true;
    }
    if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
    if (!plan.stall) {
      this.send(req, res, plan.status, plan.body, plan.headers);
      return true;
    }
    const requestId = newRequestId();
    stallAnswer(res, plan, requestId);
    this.responses.push({ status: plan.status, requestId, events: 0, eventTimes: [], aborted: true });
    return true;
  }

  private async answerMessages(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const need = this.opts.requireKey;
    if (need && credentialOf(req, need.header ?? 'either') !== need.value) {
      this.sendError(req, res, 401, 'authentication_error', 'invalid x-api-key', 1002);
      return;
    }
    let parsed: Record<string, unknown>;
    try {
      // Anthropic takes a gzip body (Claude Code 2.1.337 may send one); the recorded body stays as sent.
      const decoded = req.headers['content-encoding'] === 'gzip' && !this.zai ? gunzipSync(body) : body;
      parsed = JSON.parse(decoded.toString('utf8')) as Record<string, unknown>;
    } catch {
      this.sendError(req, res, 400, 'invalid_request_error', 'body is not valid JSON');
      return;
    }
    const problem =
      (typeof parsed.model !== 'string' ? 'model: Field required' : undefined) ??
      (this.opts.strictSchema
        ? strictSchemaProblem(parsed, this.opts.strictSchema === 'all', this.opts.unknownFields)
        : undefined) ??
      this.anthropic.thinkingProblem(parsed);
    if (problem) {
      this.send(req, res, 400, errorBody('invalid_request_error', problem));
      return;
    }
    const beta = this.zai && this.opts.strictSchema ? refusedBeta(req.headers['anthropic-beta']) : undefined;
    const busy = this.zai && this.opts.maxConcurrent !== undefined && this.inFlight > this.opts.maxConcurrent;
    if (beta !== undefined || busy) {
      const a = zaiErrorAnswer(1302, { requestId: newRequestId() });
      this.send(req, res, a.status, a.body);
      return;
    }
    const thread = this.zai ? undefined : this.anthropic.threadProblem(parsed, newRequestId());
    if (thread) {
      this.send(req, res, 404, thread);
      return;
    }
    if (this.zai && !this.opts.anyModel && !zaiKnowsModel(parsed.model as string)) {
      const a = zaiErrorAnswer(1211, { requestId: newRequestId() });
      this.send(req, res, a.status, a.body);
      return;
    }
    const spent = this.zai ? exhaustedWindow(this.planUsage) : undefined;
    if (spent) {
      const a = zaiErrorAnswer(spent.code, { requestId: newRequestId(), resetAt: spent.resetAt });
      this.send(req, res, a.status, a.body);
      return;
    }
    if (this.zai) {
      this.planUsage.fiveHour.percentage += this.planUsage.stepPct;
      this.planUsage.weekly.percentage += this.planUsage.stepPct;
    }
    const thinking = (parsed.thinking as { type?: string } | undefined)?.type === 'enabled';
    const headers = this.zai ? {} : this.anthropic.rateLimitHeaders(req);
    const plan = this.answerPlan(
      parsed.model as string,
      thinking,
      scriptedToolUses(this.opts.delegation ?? {}, req.headers, parsed),
    );
    if (parsed.stream === true)
      await writeStreamAnswer(res, plan, this.fault, headers, {
        gapMs: this.opts.eventGapMs ?? 20,
        stampEvents: this.opts.stampEvents === true,
        record: (sent) => this.responses.push(sent),
      });
    else this.responses.push(writeJsonAnswer(res, plan, this.fault, headers));
  }

  /** What this fake answers: its text (or the scripted tool calls), its usage, thinking when asked for. */
  private answerPlan(model: string, thinking: boolean, toolUses: ToolUse[]): AnswerPlan {
    const thought = `${this.name} thinks`;
    return {
      id: this.anthropic.messageId(),
      model,
      usage: this.usage(),
      zaiUsage: this.zai,
      ...(thinking ? { thinking: { text: thought, signature: this.anthropic.sign(thought) } } : {}),
      text: this.replyText(),
      toolUses,
      deltas: this.opts.deltas ?? 5,
    };
  }

  private replyText(): string {
    return `ok from ${this.name}`;
  }

  /** The usage this fake reports. Z.AI's carries no cache writes (none were seen reported). */
  private usage(): WireUsage {
    const u: WireUsage = { ...DEFAULT_USAGE, ...this.opts.usage };
    if (this.zai) delete u.cache_creation_input_tokens;
    return u;
  }
}

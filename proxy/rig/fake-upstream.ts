// A simulated Anthropic-compatible upstream (Anthropic or Z.AI), used by demo, tests, pilot and bench.
// It records exactly what crossed the wire and answers JSON and realistic, spaced SSE.
import http from 'node:http';
import https from 'node:https';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { TlsMaterial } from './test-ca.js';
import type { Usage } from '../serve/sse.js';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  receivedAt: number;
}

export interface SentResponse {
  status: number;
  /** The request-id header sent with it. */
  requestId: string;
  /** SHA-256 of every body byte written, and whether the client went away before the end. */
  sha256?: string;
  aborted?: boolean;
  usage?: Usage;
  events: number;
  /** Epoch ms at which each SSE event was written. */
  eventTimes: number[];
  text?: string;
}

/** Faults a test or the chaos task can switch on (the reliability issue uses them all). */
export interface Fault {
  /** Answer with this status and an Anthropic (or Z.AI business-code) error body. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Destroy the socket after this many SSE events. */
  resetAfterEvents?: number;
  /** Never answer (the headers never come). */
  hangBeforeHeaders?: boolean;
  /** Reset the connection instead of answering. */
  resetBeforeHeaders?: boolean;
  /** Stop sending after this many SSE events, keeping the connection open. */
  hangAfterEvents?: number;
  /** Delay before the response headers. */
  firstByteDelayMs?: number;
  /**
   * Reset a kept-alive connection when another request arrives on it, unread: what a server that
   * closed the connection as idle just as the request was written looks like to the client.
   */
  resetReusedConnections?: boolean;
}

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
  usage?: Usage;
  /**
   * How thinking blocks are signed: 'anthropic' signs with a secret and, like the real API, rejects
   * history blocks whose signature it did not issue; 'glm' signs with opaque ids and checks nothing.
   */
  thinking?: 'anthropic' | 'glm';
  /** Put the send time (epoch ms, sub-ms precision) into each text delta, for delivery-delay measurements. */
  stampEvents?: boolean;
}

const DEFAULT_USAGE: Required<Usage> = {
  input_tokens: 42,
  output_tokens: 17,
  cache_creation_input_tokens: 5,
  cache_read_input_tokens: 11,
};

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: `req_fake_${randomBytes(6).toString('hex')}` });
}

function credentialOf(req: http.IncomingMessage, header: 'x-api-key' | 'authorization' | 'either'): string | undefined {
  const apiKey = req.headers['x-api-key'];
  const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
  if (header === 'x-api-key') return typeof apiKey === 'string' ? apiKey : undefined;
  if (header === 'authorization') return bearer;
  return (typeof apiKey === 'string' ? apiKey : undefined) ?? bearer;
}

export class FakeUpstream {
  private readonly signingKey = randomBytes(16);
  readonly requests: RecordedRequest[] = [];
  readonly responses: SentResponse[] = [];
  fault: Fault | undefined;
  private server: http.Server | https.Server;
  private readonly sockets = new Set<Socket>();
  /** Requests seen per connection, so a reused connection can be told from a new one. */
  private readonly requestsOnSocket = new WeakMap<Socket, number>();
  /** Connections accepted so far (keep-alive reuse shows as few). */
  connections = 0;
  port = 0;

  constructor(readonly opts: FakeUpstreamOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch(() => res.destroy());
    };
    this.server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
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
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, receivedAt: Date.now() });

    const prefix = this.opts.prefix ?? '';
    const fullPath = (req.url ?? '/').split('?')[0]!;
    const send = (status: number, payload: string, headers: Record<string, string> = {}): void => {
      const requestId = `req_fake_${randomBytes(6).toString('hex')}`;
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
      res.end(req.method === 'HEAD' ? undefined : payload);
      this.responses.push({ status, requestId, events: 0, eventTimes: [] });
    };
    if (!fullPath.startsWith(prefix)) {
      send(404, errorBody('not_found_error', `${this.name}: no route ${fullPath}`));
      return;
    }
    const path = fullPath.slice(prefix.length) || '/';
    const fault = this.fault;
    if (fault?.hangBeforeHeaders) return; // the client or proxy must time out
    if (fault?.resetBeforeHeaders) {
      abruptClose(req.socket);
      return;
    }
    if (fault?.firstByteDelayMs) await new Promise((r) => setTimeout(r, fault.firstByteDelayMs));
    if (fault?.status) {
      send(fault.status, fault.body !== undefined ? JSON.stringify(fault.body) : errorBody('api_error', `${this.name}: injected ${fault.status}`), fault.headers);
      return;
    }

    if (req.method === 'POST' && path === '/v1/messages') {
      const need = this.opts.requireKey;
      if (need && credentialOf(req, need.header ?? 'either') !== need.value) {
        send(401, errorBody('authentication_error', `${this.name}: invalid x-api-key`));
        return;
      }
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        send(400, errorBody('invalid_request_error', `${this.name}: body is not valid JSON`));
        return;
      }
      if (typeof parsed.model !== 'string') {
        send(400, errorBody('invalid_request_error', `${this.name}: model: Field required`));
        return;
      }
      const problem = this.thinkingProblem(parsed);
      if (problem) {
        send(400, errorBody('invalid_request_error', problem));
        return;
      }
      const thinking = (parsed.thinking as { type?: string } | undefined)?.type === 'enabled';
      if (parsed.stream === true) await this.stream(res, parsed.model, fault, thinking);
      else this.json(res, parsed.model, thinking, fault);
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      send(200, JSON.stringify({ input_tokens: Math.max(1, Math.round(body.length / 4)) }));
      return;
    }
    // Claude Code's other calls (settings, telemetry, HEAD / probes): a harmless empty answer.
    send(200, '{}');
  }

  /** A signature this fake issues for a thinking text. */
  private sign(text: string): string {
    if (this.opts.thinking === 'glm') return `glm-${randomBytes(12).toString('hex')}`;
    return `anth-${createHmac('sha256', this.signingKey).update(text).digest('base64')}`;
  }

  /** The real API's checks on thinking blocks in the history, as far as the tests need them. */
  private thinkingProblem(body: Record<string, unknown>): string | undefined {
    if (this.opts.thinking !== 'anthropic' || !Array.isArray(body.messages)) return undefined;
    const messages = body.messages as { role?: string; content?: unknown }[];
    for (const [i, m] of messages.entries()) {
      if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
      for (const [j, b] of (m.content as { type?: string; thinking?: string; signature?: string }[]).entries()) {
        if (b.type === 'thinking' && b.signature !== `anth-${createHmac('sha256', this.signingKey).update(b.thinking ?? '').digest('base64')}`) {
          return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
        }
      }
    }
    const enabled = (body.thinking as { type?: string } | undefined)?.type === 'enabled';
    const last = [...messages].reverse().find((m) => m.role === 'assistant');
    const blocks = Array.isArray(last?.content) ? (last!.content as { type?: string }[]) : [];
    if (enabled && blocks.some((b) => b.type === 'tool_use') && blocks[0]?.type !== 'thinking' && blocks[0]?.type !== 'redacted_thinking') {
      return 'messages: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block';
    }
    return undefined;
  }

  private replyText(): string {
    return `ok from ${this.name}`;
  }

  private usage(): Required<Usage> {
    return { ...DEFAULT_USAGE, ...this.opts.usage } as Required<Usage>;
  }

  private json(res: http.ServerResponse, model: string, thinking: boolean, fault?: Fault): void {
    const usage = this.usage();
    const text = this.replyText();
    const thought = `${this.name} thinks`;
    const payload = JSON.stringify({
      id: `msg_${randomBytes(8).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [...(thinking ? [{ type: 'thinking', thinking: thought, signature: this.sign(thought) }] : []), { type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    });
    const requestId = `req_fake_${randomBytes(6).toString('hex')}`;
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
    if (fault?.resetAfterEvents !== undefined) {
      // The JSON form of a mid-response reset: half the body, then the connection drops.
      res.write(payload.slice(0, payload.length >> 1), () => res.socket && abruptClose(res.socket));
      this.responses.push({ status: 200, requestId, events: 0, eventTimes: [], aborted: true });
      return;
    }
    res.end(payload);
    this.responses.push({ status: 200, requestId, usage, events: 0, eventTimes: [], text, sha256: createHash('sha256').update(payload).digest('hex') });
  }

  private async stream(res: http.ServerResponse, model: string, fault: Fault | undefined, thinking: boolean): Promise<void> {
    const usage = this.usage();
    const deltas = this.opts.deltas ?? 5;
    const gap = this.opts.eventGapMs ?? 20;
    const text = this.replyText();
    const pieces = splitText(text, deltas);
    const requestId = `req_fake_${randomBytes(6).toString('hex')}`;
    const sent: SentResponse = { status: 200, requestId, usage, events: 0, eventTimes: [], text, aborted: false };
    this.responses.push(sent);
    const hash = createHash('sha256');
    res.on('close', () => {
      if (!res.writableFinished) sent.aborted = true;
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
    });
    res.flushHeaders();
    const thought = `${this.name} thinks`;
    const thinkingEvents: [string, unknown][] = thinking
      ? [
          ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }],
          ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: thought } }],
          ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: this.sign(thought) } }],
          ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ]
      : [];
    const textIndex = thinking ? 1 : 0;
    const events: [string, unknown][] = [
      ['message_start', { type: 'message_start', message: { id: `msg_${randomBytes(8).toString('hex')}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: usage.cache_creation_input_tokens, cache_read_input_tokens: usage.cache_read_input_tokens, output_tokens: 1 } } }],
      ['ping', { type: 'ping' }],
      ...thinkingEvents,
      ['content_block_start', { type: 'content_block_start', index: textIndex, content_block: { type: 'text', text: '' } }],
      ...pieces.map((p): [string, unknown] => ['content_block_delta', { type: 'content_block_delta', index: textIndex, delta: { type: 'text_delta', text: p } }]),
      ['content_block_stop', { type: 'content_block_stop', index: textIndex }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }],
      ['message_stop', { type: 'message_stop' }],
    ];
    for (const [i, [name, data]] of events.entries()) {
      if (res.destroyed) return;
      if (fault?.resetAfterEvents !== undefined && i >= fault.resetAfterEvents) {
        if (res.socket) abruptClose(res.socket);
        return;
      }
      if (fault?.hangAfterEvents !== undefined && i >= fault.hangAfterEvents) return;
      if (name === 'content_block_delta') await new Promise((r) => setTimeout(r, gap));
      const stamped = this.opts.stampEvents && name === 'content_block_delta' ? { ...(data as object), sent_at: performance.timeOrigin + performance.now() } : data;
      const chunk = `event: ${name}\ndata: ${JSON.stringify(stamped)}\n\n`;
      hash.update(chunk);
      res.write(chunk);
      sent.events++;
      sent.eventTimes.push(Date.now());
    }
    sent.sha256 = hash.digest('hex');
    res.end();
  }
}

/** Drop the connection without an answer: a TCP reset where Node can send one (plain sockets), else a close. */
function abruptClose(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !(socket as { encrypted?: boolean }).encrypted) socket.resetAndDestroy();
  else socket.destroy();
}

function splitText(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(text.slice(i * size, (i + 1) * size));
  return out;
}

// The proxy's own endpoints under /__ccp/ on its port (direct requests only): status, live stats and
// events for the dashboard, Prometheus metrics, and the token-protected pause/resume.
import type http from 'node:http';
import type { ClientRequest, ClientResponse } from '../front/client-exchange.js';
import { timingSafeEqual } from 'node:crypto';
import type { ProxyStatus } from '../../common/proxy-status.js';
import { dashboardHtml } from './dashboard-page.js';
import { anthropicErrorJson, type AnthropicErrorType } from '../errors.js';
import type { Toggles } from '../lane/toggles.js';
import type { LiveStats } from '../observe/live-stats.js';

export interface ControlContext {
  /** The toggles' only writer is this room: pause, resume and offload. */
  toggles: Toggles;
  controlToken: string;
  status: () => ProxyStatus;
  live: LiveStats;
  /** GET /__ccp/ping: one line that proves this is the kit's proxy and which CA it uses (env/sub-env.sh reads it). */
  ping: () => string;
}

function safeEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

// HTTP/1.1 and HTTP/2 responses alike (Node's compatibility API): only what both have is used.
function send(
  res: ClientResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  (res as http.ServerResponse).writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  (res as http.ServerResponse).end(body);
}

function sendError(res: ClientResponse, status: number, type: AnthropicErrorType, message: string): void {
  send(res, status, 'application/json', anthropicErrorJson(type, message));
}

export class ControlApi {
  /** Open dashboard event streams, ended when the proxy stops. */
  private readonly streams = new Set<ClientResponse>();

  constructor(private readonly ctx: ControlContext) {}

  closeStreams(): void {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
  }

  /** Pause, resume and offload need the per-run token: a custom header cannot be sent cross-site without a CORS preflight, which is never granted. */
  private authorized(req: ClientRequest, res: ClientResponse): boolean {
    const token = req.headers['x-ccp-token'];
    if (safeEqual(typeof token === 'string' ? token : undefined, this.ctx.controlToken)) return true;
    sendError(res, 403, 'permission_error', 'proxy: control requests need the x-ccp-token from logs/mitm.state.json');
    return false;
  }

  /** `target` is the request's origin-form path and query. */
  async handle(req: ClientRequest, res: ClientResponse, target: string): Promise<void> {
    const path = target.split('?')[0]!;
    req.resume();
    const { ctx } = this;
    if (req.method === 'GET' && (path === '/__ccp/' || path === '/__ccp/dashboard')) {
      send(res, 200, 'text/html; charset=utf-8', dashboardHtml(ctx.controlToken), {
        // Self-contained: nothing is loaded from anywhere else, and the page cannot be framed.
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'",
        'x-frame-options': 'DENY',
      });
      return;
    }
    if (req.method === 'GET' && path === '/__ccp/ping') {
      send(res, 200, 'text/plain; charset=utf-8', ctx.ping());
      return;
    }
    if (req.method === 'GET' && path === '/__ccp/status') {
      send(res, 200, 'application/json', JSON.stringify(ctx.status()));
      return;
    }
    if (req.method === 'GET' && path === '/__ccp/stats') {
      send(res, 200, 'application/json', JSON.stringify({ status: ctx.status(), stats: ctx.live.snapshot() }));
      return;
    }
    if (req.method === 'GET' && path === '/__ccp/metrics') {
      send(res, 200, ctx.live.registry.contentType, await ctx.live.registry.metrics());
      return;
    }
    if (req.method === 'GET' && path === '/__ccp/events') {
      const stream = res as http.ServerResponse;
      stream.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      stream.write('retry: 2000\n\n');
      this.streams.add(res);
      const unsubscribe = ctx.live.subscribe((row) => stream.write(`event: request\ndata: ${JSON.stringify(row)}\n\n`));
      // A modest heartbeat carries pause/cooldown changes; requests are pushed as they complete.
      const beat = setInterval(
        () =>
          stream.write(
            `event: status\ndata: ${JSON.stringify({ paused: ctx.toggles.paused, cooling: ctx.status().zai_cooldown_until !== null })}\n\n`,
          ),
        5000,
      );
      res.on('close', () => {
        clearInterval(beat);
        unsubscribe();
        this.streams.delete(res);
      });
      return;
    }
    if (path === '/__ccp/offload') {
      if (req.method !== 'POST') {
        sendError(res, 405, 'invalid_request_error', `${path} takes POST`);
        return;
      }
      if (!this.authorized(req, res)) return;
      const q = new URLSearchParams(target.split('?')[1] ?? '');
      const want = q.get('subagents');
      const at = q.get('at');
      const atPct = at === null ? undefined : Number(at);
      if (
        (want !== null && want !== 'on' && want !== 'off') ||
        (want === null && at === null) ||
        (atPct !== undefined && !(Number.isFinite(atPct) && atPct >= 0 && atPct <= 100))
      ) {
        sendError(
          res,
          400,
          'invalid_request_error',
          'proxy: /__ccp/offload takes ?subagents=on|off and/or ?at=<percent 0–100>',
        );
        return;
      }
      ctx.toggles.setOffload({
        ...(want !== null ? { subagents: want === 'on' } : {}),
        ...(atPct !== undefined ? { atPct } : {}),
      });
      send(
        res,
        200,
        'application/json',
        JSON.stringify({ offload: ctx.status().offload, at_pct: ctx.toggles.offload.atPct }),
      );
      return;
    }
    if (path === '/__ccp/pause' || path === '/__ccp/resume') {
      if (req.method !== 'POST') {
        sendError(res, 405, 'invalid_request_error', `${path} takes POST`);
        return;
      }
      if (!this.authorized(req, res)) return;
      ctx.toggles.setPaused(path === '/__ccp/pause');
      send(res, 200, 'application/json', JSON.stringify({ paused: ctx.toggles.paused }));
      return;
    }
    sendError(res, 404, 'not_found_error', `proxy: no control endpoint ${path}`);
  }
}

// The front: mockttp terminates TLS for the intercepted hosts only and tunnels everything else raw.
// Its HTTP/1.1 and HTTP/2 servers parse the requests; the ones routeFor() names are handed to the
// router (or the control endpoints) in this process, the rest stay with mockttp (DESIGN §1).
import http from 'node:http';
import net from 'node:net';
import type tls from 'node:tls';
import { getLocal, type Mockttp } from 'mockttp';
import { clientExchange, isH2, type ClientExchange, type ClientRequest, type ClientResponse } from './client-exchange.js';

export interface FrontOptions {
  port: number;
  caKey: string;
  caCert: string;
  interceptHosts: readonly string[];
  forceH1: boolean;
  /** Intercepted Anthropic requests and direct (base-URL mode) requests. */
  onApi(exchange: ClientExchange): void;
  /** The proxy's own endpoints under CONTROL_PREFIX on its port. */
  onControl(req: ClientRequest, res: ClientResponse, target: string): void;
}

export interface Front {
  server: Mockttp;
  port: number;
  stop(): Promise<void>;
}

export const CONTROL_PREFIX = '/__ccp/';

export interface Route {
  kind: 'api' | 'control';
  /** Origin-form path and query to serve. */
  target: string;
}

export interface RouteHosts {
  /** Lower-case hostnames whose API traffic the kit handles (api.anthropic.com). */
  intercept: ReadonlySet<string>;
  /** Lower-case host:port values that name the proxy itself (127.0.0.1:PORT, localhost:PORT). */
  self: ReadonlySet<string>;
}

/** Host without its port, lower-cased (IPv6 brackets kept). */
function hostnameOf(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0]!;
}

/**
 * What reaches the router: the one definition, for HTTP/1.1 and HTTP/2 alike. Pure.
 * - decrypted (TLS-intercepted) requests for an intercepted host → api;
 * - plain requests to the proxy's own address (base-URL mode) → control under CONTROL_PREFIX, else api;
 * - plain requests naming an intercepted host (origin- or absolute-form) → api;
 * - anything else → undefined: mockttp passes it through untouched.
 */
export function routeFor(req: { url: string; authority: string | undefined; encrypted: boolean }, hosts: RouteHosts): Route | undefined {
  let target = req.url;
  let authority = req.authority;
  if (!target.startsWith('/')) {
    // Absolute-form, as a plain-HTTP proxy request: http://host/path.
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return undefined;
    }
    if (req.encrypted || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
    target = url.pathname + url.search;
    authority = url.host;
  }
  if (authority === undefined) return undefined;
  const host = authority.toLowerCase();
  if (!req.encrypted && hosts.self.has(host)) return { kind: target.startsWith(CONTROL_PREFIX) ? 'control' : 'api', target };
  return hosts.intercept.has(hostnameOf(host)) ? { kind: 'api', target } : undefined;
}

/**
 * mockttp's start() calls listen(port) with no host, which binds every interface (mockttp #182).
 * For the duration of start() only, a bare numeric listen binds loopback instead.
 */
async function startOnLoopback(server: Mockttp, port: number): Promise<void> {
  const original = net.Server.prototype.listen;
  const call = original as (this: net.Server, ...a: unknown[]) => net.Server;
  net.Server.prototype.listen = function patchedListen(this: net.Server, ...args: unknown[]) {
    if (args.length === 1 && typeof args[0] === 'number') return call.call(this, args[0], '127.0.0.1');
    return call.apply(this, args);
  } as typeof net.Server.prototype.listen;
  try {
    await server.start(port);
  } finally {
    net.Server.prototype.listen = original;
  }
}

export async function startFront(opts: FrontOptions): Promise<Front> {
  const server = getLocal({
    https: {
      key: opts.caKey,
      cert: opts.caCert,
      tlsInterceptOnly: opts.interceptHosts.map((hostname) => ({ hostname })),
    },
    // true: clients that offer h2 get it (curl --http2); false implements MITM_FORCE_H1.
    http2: opts.forceH1 ? false : true,
    // Otherwise mockttp keeps every request body for the life of the process.
    recordTraffic: false,
    suggestChanges: false,
    // Non-TLS, non-HTTP payloads inside a CONNECT tunnel are tunnelled raw, not answered with a 400.
    passthrough: ['unknown-protocol'],
    debug: false,
  });

  await startOnLoopback(server, opts.port);
  const address = (server as unknown as { server?: net.Server }).server?.address();
  if (!address || typeof address === 'string' || address.address !== '127.0.0.1') {
    await server.stop();
    throw new Error(`front bound to ${JSON.stringify(address)}, expected 127.0.0.1 only`);
  }
  const hosts: RouteHosts = {
    intercept: new Set(opts.interceptHosts.map((h) => h.toLowerCase())),
    self: new Set([`127.0.0.1:${address.port}`, `localhost:${address.port}`]),
  };
  try {
    handOver(server, hosts, opts);
  } catch (e) {
    await server.stop();
    throw e;
  }

  // What routeFor() leaves to mockttp: plain-HTTP requests for other hosts, passed through untouched.
  // .always(): without it a rule counts as used up after one match. Without simulateConnectionErrors
  // an upstream reset mid-stream would reach the client as a clean end of a truncated stream.
  await server.forUnmatchedRequest().always().thenPassThrough({ simulateConnectionErrors: true });
  // A body listener, even a no-op, stops mockttp retaining each in-flight response body (mockttp #209).
  await server.on('response-body-data', () => {});

  return { server, port: address.port, stop: () => server.stop() };
}

/** The request events of Node's HTTP servers that mockttp answers (checkContinue: Expect: 100-continue). */
const REQUEST_EVENTS = new Set(['request', 'checkContinue', 'checkExpectation']);

/**
 * The handover. mockttp terminates TLS (or accepts the plain request) and its HTTP/1.1 or HTTP/2 server
 * parses it; the requests routeFor() names are served here, in this process, before mockttp's own
 * listener sees them. Relies on mockttp's combo server (@httptoolkit/httpolyglot) keeping its
 * sub-servers in `_httpServer` and `_http2Server` (docs/ARCHITECTURE.md has the source lines): if a
 * mockttp update moves them, the proxy refuses to start rather than route API traffic some other way.
 * The events are intercepted on each server's emit rather than by swapping listeners: httpolyglot
 * mirrors listener changes across its sub-servers.
 */
function handOver(server: Mockttp, hosts: RouteHosts, opts: FrontOptions): void {
  const combo = (server as unknown as { server?: { _httpServer?: unknown; _http2Server?: unknown } }).server;
  const subServers = [combo?._httpServer, combo?._http2Server];
  if (!subServers.every((s) => s instanceof net.Server && s.listenerCount('request') > 0)) {
    throw new Error('mockttp internals changed: its HTTP/1.1 and HTTP/2 servers were not found, so API requests cannot be handed to the router');
  }
  for (const sub of subServers as net.Server[]) {
    const emit = sub.emit.bind(sub) as (event: string | symbol, ...args: unknown[]) => boolean;
    sub.emit = function emitWithHandover(event: string | symbol, ...args: unknown[]): boolean {
      if (typeof event === 'string' && REQUEST_EVENTS.has(event)) {
        const [req, res] = args as [ClientRequest, ClientResponse];
        const authority = isH2(req) ? (req.authority ?? req.headers.host) : req.headers.host;
        const route = routeFor({ url: req.url ?? '', authority, encrypted: (req.socket as tls.TLSSocket | undefined)?.encrypted === true }, hosts);
        if (route) {
          if (event === 'checkContinue') (res as http.ServerResponse).writeContinue();
          if (route.kind === 'control') opts.onControl(req, res, route.target);
          else opts.onApi(clientExchange(req, res, route.target));
          return true;
        }
      }
      return emit(event, ...args);
    } as typeof sub.emit;
  }
}

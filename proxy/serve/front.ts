// The front: mockttp terminates TLS for the intercepted hosts only and tunnels everything else raw.
// Intercepted and direct (base-URL mode) requests go to the router: HTTP/1.1 ones in-process, HTTP/2
// ones through mockttp's rules over the loopback hop (DESIGN §1).
import http from 'node:http';
import net from 'node:net';
import type tls from 'node:tls';
import { getLocal, type Mockttp } from 'mockttp';

export interface FrontOptions {
  port: number;
  caKey: string;
  caCert: string;
  interceptHosts: readonly string[];
  forceH1: boolean;
  routerPort: number;
  /** Per-run secret the router requires, so no other local process can use it as a relay. */
  frontSecret: string;
  /** The router's request handler, for the in-process handover of HTTP/1.1 requests. */
  serve?: (req: http.IncomingMessage, res: http.ServerResponse, via: { route: 'api' | 'control'; h2: boolean }) => void;
}

export interface Front {
  server: Mockttp;
  port: number;
  /** Whether HTTP/1.1 API and control requests go to the router in-process (else over loopback). */
  inProcess: boolean;
  stop(): Promise<void>;
}

export const CONTROL_PREFIX = '/__ccp/';

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

function forwardToRouter(opts: FrontOptions, route: 'api' | 'control', h2: boolean) {
  return {
    // Without this, an upstream reset mid-stream reaches the client as a clean end of a truncated stream.
    simulateConnectionErrors: true,
    transformRequest: {
      setProtocol: 'http' as const,
      replaceHost: { targetHost: `127.0.0.1:${opts.routerPort}`, updateHostHeader: false },
      updateHeaders: {
        'x-ccp-front': opts.frontSecret,
        'x-ccp-route': route,
        'x-ccp-h2': h2 ? '1' : '0',
      },
    },
    // The router's own connection headers must not reach the client: mockttp closes idle client
    // connections after ~5 s, so a relayed `Keep-Alive: timeout=60` would invite resets on reuse.
    // Header-only response transforms keep streaming.
    transformResponse: {
      updateHeaders: { connection: undefined, 'keep-alive': undefined },
    },
  };
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

  // Rules are added after start(): direct (base-URL mode) requests are recognised by the bound port,
  // which is only known then when port 0 was asked for. Nobody can know the port before this returns.
  await startOnLoopback(server, opts.port);
  const address = (server as unknown as { server?: net.Server }).server?.address();
  if (!address || typeof address === 'string' || address.address !== '127.0.0.1') {
    await server.stop();
    throw new Error(`front bound to ${JSON.stringify(address)}, expected 127.0.0.1 only`);
  }

  // Every rule gets .always(): without it a rule counts as used up after one match.
  const selfHosts = [`127.0.0.1:${address.port}`, `localhost:${address.port}`];
  const controlUrl = new RegExp(`^https?://[^/]+${CONTROL_PREFIX.replace(/\//g, '\\/')}`);
  for (const host of selfHosts) {
    await server.forAnyRequest().forHost(host).withUrlMatching(controlUrl).always().thenPassThrough(forwardToRouter(opts, 'control', false));
  }
  // HTTP/2 requests carry the :scheme pseudo-header; the router cannot see the client leg otherwise.
  for (const hostname of opts.interceptHosts) {
    await server.forAnyRequest().forHostname(hostname).withHeaders({ ':scheme': 'https' }).always().thenPassThrough(forwardToRouter(opts, 'api', true));
    await server.forAnyRequest().forHostname(hostname).always().thenPassThrough(forwardToRouter(opts, 'api', false));
  }
  for (const host of selfHosts) {
    await server.forAnyRequest().forHost(host).withHeaders({ ':scheme': 'http' }).always().thenPassThrough(forwardToRouter(opts, 'api', true));
    await server.forAnyRequest().forHost(host).always().thenPassThrough(forwardToRouter(opts, 'api', false));
  }
  // Plain-HTTP requests for any other host: passed through untouched.
  await server.forUnmatchedRequest().always().thenPassThrough({ simulateConnectionErrors: true });

  // A body listener, even a no-op, stops mockttp retaining each in-flight response body (mockttp #209).
  await server.on('response-body-data', () => {});

  const inProcess = opts.serve ? handOverInProcess(server, opts, selfHosts, opts.serve) : false;
  return { server, port: address.port, inProcess, stop: () => server.stop() };
}

/** Host header without its port, lower-cased (IPv6 brackets kept). */
function hostnameOf(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0]!;
}

/**
 * The hot path without the loopback hop. mockttp terminates TLS (or accepts the plain request) and its
 * HTTP/1.1 server parses it; instead of matching rules and re-sending the request over loopback HTTP
 * to the router, the requests the rules above would forward are given to the router's handler in this
 * process. That removes a serialise/parse round on each side per request and per chunk, and
 * mockttp's rule matching and request/response tracking.
 * Everything else (other hosts, absolute-form proxy requests, Expect: 100-continue, HTTP/2) still goes
 * through mockttp's own handler and the rules. Relies on mockttp's combo server keeping its HTTP/1.1
 * sub-server in `_httpServer` (mockttp 4.x, @httptoolkit/httpolyglot); if that changes, nothing is
 * patched and every request takes the loopback route, which is equivalent, only slower.
 */
function handOverInProcess(server: Mockttp, opts: FrontOptions, selfHosts: string[], serve: NonNullable<FrontOptions['serve']>): boolean {
  const h1 = (server as unknown as { server?: { _httpServer?: unknown } }).server?._httpServer;
  if (!(h1 instanceof http.Server) || h1.listenerCount('request') === 0) return false;
  const intercepted = new Set(opts.interceptHosts.map((h) => h.toLowerCase()));
  const self = new Set(selfHosts);

  const routeOf = (req: http.IncomingMessage): 'api' | 'control' | undefined => {
    const url = req.url ?? '';
    const host = req.headers.host;
    // Absolute-form (plain-HTTP proxy) requests and requests without a host are left to mockttp.
    if (!url.startsWith('/') || typeof host !== 'string') return undefined;
    if ((req.socket as tls.TLSSocket).encrypted) return intercepted.has(hostnameOf(host)) ? 'api' : undefined;
    if (self.has(host.toLowerCase())) return url.startsWith(CONTROL_PREFIX) ? 'control' : 'api';
    return intercepted.has(hostnameOf(host)) ? 'api' : undefined;
  };

  // The 'request' event is intercepted on this one server's emit rather than by swapping listeners:
  // httpolyglot mirrors listener removal across its sub-servers, so removing mockttp's listener here
  // would also remove it from the HTTP/2 server.
  const emit = h1.emit.bind(h1) as (event: string | symbol, ...args: unknown[]) => boolean;
  h1.emit = function emitWithHandover(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const route = routeOf(req);
      if (route) {
        serve(req, res, { route, h2: false });
        return true;
      }
    }
    return emit(event, ...args);
  } as typeof h1.emit;
  return true;
}

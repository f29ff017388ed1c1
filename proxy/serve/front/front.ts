// The front: mockttp terminates TLS for the intercepted hosts only and tunnels everything else raw.
// Its HTTP/1.1 and HTTP/2 servers parse the requests; the ones routeFor() names are handed to the
// router (or the control endpoints) in this process, the rest stay with mockttp (docs/ARCHITECTURE.md).
import type http from 'node:http';
import type tls from 'node:tls';
import type { Mockttp } from 'mockttp';
import {
  clientExchange,
  isH2,
  type ClientExchange,
  type ClientRequest,
  type ClientResponse,
} from './client-exchange.js';
import {
  interceptRequests,
  listeningAddress,
  loadMockttpServer,
  paceTlsHandshakes,
  servedLeafKeyType,
  startOnLoopback,
} from './mockttp-internals.js';

// Loaded once, here: mockttp's server alone (not its index, which also loads the admin server, GraphQL and
// the remote client: ~10 MB of a proxy that runs all day) and without the upstream-proxy agents.
const MockttpServer = loadMockttpServer();

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
export function routeFor(
  req: { url: string; authority: string | undefined; encrypted: boolean },
  hosts: RouteHosts,
): Route | undefined {
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
  if (!req.encrypted && hosts.self.has(host))
    return { kind: target.startsWith(CONTROL_PREFIX) ? 'control' : 'api', target };
  return hosts.intercept.has(hostnameOf(host)) ? { kind: 'api', target } : undefined;
}

export async function startFront(opts: FrontOptions): Promise<Front> {
  const server: Mockttp = new MockttpServer({
    https: {
      key: opts.caKey,
      cert: opts.caCert,
      tlsInterceptOnly: opts.interceptHosts.map((hostname) => ({ hostname })),
      // mockttp makes one leaf key pair per process and makes it again only for a longer keyLength: this
      // start makes it (as ECDSA P-256, startOnLoopback) even when another mockttp in the process already
      // made an RSA-2048 one. The figure is never used as an RSA size.
      keyLength: 4096,
    },
    // true: clients that offer h2 get it (curl --http2); false implements MITM_FORCE_H1.
    http2: !opts.forceH1,
    // Otherwise mockttp keeps every request body for the life of the process.
    recordTraffic: false,
    suggestChanges: false,
    // Non-TLS, non-HTTP payloads inside a CONNECT tunnel are tunnelled raw, not answered with a 400.
    passthrough: ['unknown-protocol'],
    debug: false,
  });

  await startOnLoopback(server, opts.port);
  const address = listeningAddress(server);
  if (!address || typeof address === 'string' || address.address !== '127.0.0.1') {
    await server.stop();
    throw new Error(`front bound to ${JSON.stringify(address)}, expected 127.0.0.1 only`);
  }
  // Also makes the intercepted host's certificate now, not in the first request's handshake.
  const leafKey = await servedLeafKeyType(address.port, opts.interceptHosts[0]!, opts.caCert).catch(
    (e: Error) => e.message,
  );
  if (leafKey !== 'ec') {
    await server.stop();
    throw new Error(`mockttp internals changed: the leaf certificate's key is ${leafKey}, expected an ECDSA key`);
  }
  const hosts: RouteHosts = {
    intercept: new Set(opts.interceptHosts.map((h) => h.toLowerCase())),
    self: new Set([`127.0.0.1:${address.port}`, `localhost:${address.port}`]),
  };
  try {
    handOver(server, hosts, opts);
    paceTlsHandshakes(server);
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

/**
 * The handover. mockttp terminates TLS (or accepts the plain request) and its HTTP/1.1 or HTTP/2 server
 * parses it; the requests routeFor() names are served here, in this process, before mockttp's own
 * listener sees them (mockttp-internals.ts says how it reaches them, and why it fails loudly if a
 * mockttp update moves them).
 */
function handOver(server: Mockttp, hosts: RouteHosts, opts: FrontOptions): void {
  interceptRequests(server, (event, req, res) => {
    const authority = isH2(req) ? (req.authority ?? req.headers.host) : req.headers.host;
    const route = routeFor(
      { url: req.url ?? '', authority, encrypted: (req.socket as tls.TLSSocket | undefined)?.encrypted === true },
      hosts,
    );
    if (!route) return false;
    if (event === 'checkContinue') (res as http.ServerResponse).writeContinue();
    if (route.kind === 'control') opts.onControl(req, res, route.target);
    else opts.onApi(clientExchange(req, res, route.target));
    return true;
  });
}

// Every reach into mockttp's internals, in one file, checked against the exact version package.json
// pins (mockttp 4.6.5). mockttp has no supported way to bind loopback, to choose its leaf key, or to hand
// a parsed request to other code before its own rules, so the front needs four things it does not promise:
// - start() calls listen(port) with no host, which binds every interface (src/server/mockttp-server.ts
//   line 177; mockttp issue #182): for the duration of start() only, a bare numeric listen binds
//   127.0.0.1 instead. Narrow on purpose: one call, restored in `finally`, and the bound address is
//   checked after.
// - the leaf key: mockttp makes one RSA-2048 key pair for every leaf certificate it signs, with
//   `crypto.subtle.generateKey` in the first CA's constructor, which start() runs (src/util/certificates.ts
//   lines 367–403; `KEY_PAIR`). An RSA signature is the largest part of a full handshake's CPU, so for the
//   duration of start() only, that one call makes an ECDSA P-256 pair instead (one signature ~15× cheaper).
//   The CA stays what it is (RSA, name-constrained) and signs the leaf as before; after start the served
//   leaf's key type is checked, so a mockttp that made its key elsewhere fails the start loudly.
// - what loads: mockttp's rules require the PAC and SOCKS client agents at load (src/rules/http-agents.ts
//   lines 10–12) for passthrough through an upstream proxy, which the kit never configures. They bring a
//   JavaScript engine, parser and FTP client (~4 MB of a proxy left running all day, measured), so while
//   mockttp's server module loads, those two requires get a stand-in that refuses to be used.
// - the combo server is `server.server` (a net.Server), whose address says where it listens;
// - @httptoolkit/httpolyglot keeps its HTTP/1.1 and HTTP/2 sub-servers in `_httpServer` and
//   `_http2Server` (node_modules/mockttp/src/server/http-combo-server.ts lines 323–353 build them;
//   httpolyglot lines 70–71 keep them). Their request events are intercepted on `emit`, not by swapping
//   listeners: httpolyglot mirrors listener changes across its sub-servers.
// If an update moves any of these, the proxy refuses to start rather than route API traffic another way.
import Module, { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import type { Mockttp, MockttpOptions } from 'mockttp';
import type { ClientRequest, ClientResponse } from './client-exchange.js';

/** Upstream-proxy agents the kit never uses: loaded as stand-ins that throw if anything ever calls them. */
const UNUSED_AGENTS: Record<string, string> = {
  'pac-proxy-agent': 'PacProxyAgent',
  'socks-proxy-agent': 'SocksProxyAgent',
};

type ModuleLoad = (request: string, ...rest: unknown[]) => unknown;

/** mockttp's server class, loaded without the upstream-proxy agents (see above). */
export function loadMockttpServer(): new (options: MockttpOptions) => Mockttp {
  const loader = Module as unknown as { _load: ModuleLoad };
  const original = loader._load;
  loader._load = function loadWithoutUnusedAgents(this: unknown, request: string, ...rest: unknown[]) {
    const name = UNUSED_AGENTS[request];
    if (!name) return original.call(this, request, ...rest);
    return {
      [name]: class {
        constructor() {
          throw new Error(`ccp-lanes does not load ${request}: mockttp was asked to pass through an upstream proxy`);
        }
      },
    };
  };
  try {
    // `./dist/*` is in mockttp's package exports; the server alone, not the index (admin server, GraphQL).
    return (createRequire(import.meta.url)('mockttp/dist/server/mockttp-server') as { MockttpServer: never })
      .MockttpServer;
  } finally {
    loader._load = original;
  }
}

/** The leaf key mockttp's certificates carry once started through startOnLoopback(). */
export const LEAF_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** start(), bound to 127.0.0.1 only, with an ECDSA P-256 leaf key in place of mockttp's RSA one. */
export async function startOnLoopback(server: Mockttp, port: number): Promise<void> {
  const original = net.Server.prototype.listen;
  const call = original as (this: net.Server, ...a: unknown[]) => net.Server;
  net.Server.prototype.listen = function patchedListen(this: net.Server, ...args: unknown[]) {
    if (args.length === 1 && typeof args[0] === 'number') return call.call(this, args[0], '127.0.0.1');
    return call.apply(this, args);
  } as typeof net.Server.prototype.listen;
  const subtle = globalThis.crypto.subtle;
  const generateKey = subtle.generateKey;
  // Own property on the instance, deleted after: the prototype's method is never touched.
  Object.defineProperty(subtle, 'generateKey', {
    configurable: true,
    value: (algorithm: { name?: string }, extractable: boolean, usages: KeyUsage[]) =>
      algorithm?.name === 'RSASSA-PKCS1-v1_5'
        ? generateKey.call(subtle, LEAF_KEY, extractable, usages)
        : generateKey.call(subtle, algorithm as AlgorithmIdentifier, extractable, usages),
  });
  try {
    await server.start(port);
  } finally {
    net.Server.prototype.listen = original;
    delete (subtle as unknown as { generateKey?: unknown }).generateKey;
  }
}

/** The key type of the leaf certificate the front serves for `host` ('ec' once startOnLoopback() took). */
export async function servedLeafKeyType(port: number, host: string, ca: string): Promise<string | undefined> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`);
    socket.once('data', (d) =>
      /^HTTP\/1\.[01] 200/.test(d.toString('latin1')) ? resolve() : reject(new Error('CONNECT refused')),
    );
  });
  const secure = tls.connect({ socket, servername: host, ca, ALPNProtocols: ['http/1.1'] });
  try {
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    const cert = secure.getPeerX509Certificate();
    return cert?.publicKey.asymmetricKeyType;
  } finally {
    secure.destroy();
  }
}

/** Where mockttp's combo server listens. */
export function listeningAddress(server: Mockttp): ReturnType<net.Server['address']> | undefined {
  return (server as unknown as { server?: net.Server }).server?.address();
}

/**
 * New TLS connections, handed to mockttp's TLS server at most `perTurn` per event-loop turn. A burst of
 * new connections (a session starting, subagents fanning out) otherwise has all its handshakes run back
 * to back in one turn, ~1 ms of CPU each, while the events of streams already running wait behind them;
 * paced, those events are written between handshakes. httpolyglot hands each TLS socket to its TLS
 * server with `_tlsServer.emit('connection', socket)` (httpolyglot lines 76–82 and 127).
 */
export function paceTlsHandshakes(server: Mockttp, perTurn = 1): void {
  const combo = (server as unknown as { server?: { _tlsServer?: unknown } }).server;
  const tlsServer = combo?._tlsServer;
  if (!(tlsServer instanceof net.Server))
    throw new Error('mockttp internals changed: its TLS server was not found, so handshakes cannot be paced');
  const emit = tlsServer.emit.bind(tlsServer) as (event: string | symbol, ...args: unknown[]) => boolean;
  const waiting: unknown[][] = [];
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    for (let i = 0; i < perTurn && waiting.length; i++) emit('connection', ...waiting.shift()!);
    if (waiting.length) {
      scheduled = true;
      setImmediate(drain);
    }
  };
  tlsServer.emit = function emitPaced(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'connection') return emit(event, ...args);
    waiting.push(args);
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
    return true;
  } as typeof tlsServer.emit;
}

/** The request events of Node's HTTP servers that mockttp answers (checkContinue: Expect: 100-continue). */
const REQUEST_EVENTS = new Set(['request', 'checkContinue', 'checkExpectation']);

/** Offer every parsed request, HTTP/1.1 and HTTP/2, to `take` before mockttp's own listener; true: taken. */
export function interceptRequests(
  server: Mockttp,
  take: (event: string, req: ClientRequest, res: ClientResponse) => boolean,
): void {
  const combo = (server as unknown as { server?: { _httpServer?: unknown; _http2Server?: unknown } }).server;
  const subServers = [combo?._httpServer, combo?._http2Server];
  if (!subServers.every((s) => s instanceof net.Server && s.listenerCount('request') > 0)) {
    throw new Error(
      'mockttp internals changed: its HTTP/1.1 and HTTP/2 servers were not found, so API requests cannot be handed to the router',
    );
  }
  for (const sub of subServers as net.Server[]) {
    const emit = sub.emit.bind(sub) as (event: string | symbol, ...args: unknown[]) => boolean;
    sub.emit = function emitWithHandover(event: string | symbol, ...args: unknown[]): boolean {
      if (typeof event === 'string' && REQUEST_EVENTS.has(event)) {
        const [req, res] = args as [ClientRequest, ClientResponse];
        if (take(event, req, res)) return true;
      }
      return emit(event, ...args);
    } as typeof sub.emit;
  }
}

// Every reach into mockttp's internals, in one file, checked against the exact version package.json
// pins (mockttp 4.6.5). mockttp has no supported way to bind loopback or to hand a parsed request to
// other code before its own rules, so the front needs three things it does not promise:
// - start() calls listen(port) with no host, which binds every interface (src/server/mockttp-server.ts
//   line 177; mockttp issue #182): for the duration of start() only, a bare numeric listen binds
//   127.0.0.1 instead. Narrow on purpose: one call, restored in `finally`, and the bound address is
//   checked after.
// - the combo server is `server.server` (a net.Server), whose address says where it listens;
// - @httptoolkit/httpolyglot keeps its HTTP/1.1 and HTTP/2 sub-servers in `_httpServer` and
//   `_http2Server` (node_modules/mockttp/src/server/http-combo-server.ts lines 323–353 build them;
//   httpolyglot lines 70–71 keep them). Their request events are intercepted on `emit`, not by swapping
//   listeners: httpolyglot mirrors listener changes across its sub-servers.
// If an update moves any of these, the proxy refuses to start rather than route API traffic another way.
import net from 'node:net';
import type { Mockttp } from 'mockttp';
import type { ClientRequest, ClientResponse } from './client-exchange.js';

export async function startOnLoopback(server: Mockttp, port: number): Promise<void> {
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

/** Where mockttp's combo server listens. */
export function listeningAddress(server: Mockttp): ReturnType<net.Server['address']> | undefined {
  return (server as unknown as { server?: net.Server }).server?.address();
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

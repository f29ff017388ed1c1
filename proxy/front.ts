// The front: mockttp terminates TLS for the intercepted hosts only, tunnels everything else raw, and
// forwards intercepted (and direct, base-URL mode) requests over loopback to the router (DESIGN §1).
import net from 'node:net';
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
}

export interface Front {
  server: Mockttp;
  port: number;
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

  return { server, port: address.port, stop: () => server.stop() };
}

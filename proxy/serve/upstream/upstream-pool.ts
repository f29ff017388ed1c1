// The upstream connections: kept-alive pools for both lanes, and one-off connections for a redial.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

/** How long an idle upstream socket stays pooled (shorter when the server announces less). */
const POOLED_SOCKET_IDLE_MS = 30_000;

export class UpstreamPool {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  /** One-off connections for the retry after a stale kept-alive socket (the pool may hold more stale ones). */
  private readonly freshHttpsAgent: https.Agent;
  private readonly freshHttpAgent: http.Agent;

  /** @param extraCa PEM certificates trusted for upstream TLS besides the public roots. */
  constructor(extraCa?: string) {
    // Extra roots are added to, not substituted for, the public roots. One secure context built once:
    // a `ca` option would make https.Agent fold every root certificate into its pool key per request.
    const secureContext = extraCa ? tls.createSecureContext({ ca: [...tls.rootCertificates, extraCa] }) : undefined;
    // `timeout` is the idle life of a pooled socket; with it set, Node also honours a server's
    // `Keep-Alive: timeout=N` hint and drops the socket a second before the server would.
    const pool = { keepAlive: true, timeout: POOLED_SOCKET_IDLE_MS };
    this.httpsAgent = new https.Agent({ ...pool, ...(secureContext ? { secureContext } : {}) });
    this.httpAgent = new http.Agent(pool);
    this.freshHttpsAgent = new https.Agent({ keepAlive: false, ...(secureContext ? { secureContext } : {}) });
    this.freshHttpAgent = new http.Agent({ keepAlive: false });
  }

  /** A request to `url`; `fresh` forces a new connection. */
  request(url: URL, options: http.RequestOptions, fresh: boolean): http.ClientRequest {
    const isHttps = url.protocol === 'https:';
    return (isHttps ? https : http).request({
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port || undefined,
      path: url.pathname + url.search,
      agent: isHttps ? (fresh ? this.freshHttpsAgent : this.httpsAgent) : fresh ? this.freshHttpAgent : this.httpAgent,
      ...options,
    });
  }

  destroy(): void {
    for (const agent of [this.httpsAgent, this.httpAgent, this.freshHttpsAgent, this.freshHttpAgent]) agent.destroy();
  }
}

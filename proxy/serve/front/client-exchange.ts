// One client request as the router sees it, whether the front's HTTP/1.1 server or its HTTP/2 server
// (Node's compatibility API) parsed it. Every difference between the two stays in this file:
// pseudo-headers, the status message HTTP/2 does not have, where the destroyed flag lives.
import type http from 'node:http';
import type http2 from 'node:http2';
import { anthropicErrorJson, type AnthropicErrorType } from '../errors.js';

/** Headers as the proxy writes them, to the client or an upstream. */
export type OutHeaders = Record<string, string | string[]>;

export type ClientRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type ClientResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface ClientExchange {
  method: string;
  /** Origin-form path and query, e.g. /v1/messages?beta=true. */
  target: string;
  /** Flat name/value list as the client sent it, without HTTP/2 pseudo-headers. */
  rawHeaders: string[];
  h2: boolean;
  /** The request body, chunk by chunk. */
  body: AsyncIterable<Buffer>;
  reply: ClientReply;
}

export function isH2(req: ClientRequest): req is http2.Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

/** rawHeaders without `:method`, `:path`, `:authority`, `:scheme` (HTTP/2 only; never forwarded). */
export function withoutPseudoHeaders(raw: readonly string[]): string[] {
  if (!raw.some((v, i) => i % 2 === 0 && v.startsWith(':'))) return raw as string[];
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!raw[i]!.startsWith(':')) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

export function clientExchange(req: ClientRequest, res: ClientResponse, target: string): ClientExchange {
  const h2 = isH2(req);
  return {
    method: req.method ?? 'GET',
    target,
    rawHeaders: withoutPseudoHeaders(req.rawHeaders),
    h2,
    body: req as AsyncIterable<Buffer>,
    reply: new ClientReply(res, h2),
  };
}

/** The response side of one client request. */
export class ClientReply {
  constructor(
    private readonly res: ClientResponse,
    readonly h2: boolean,
  ) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  /** The whole answer was handed to the connection. */
  get finished(): boolean {
    return this.res.writableFinished;
  }

  get ended(): boolean {
    return this.res.writableEnded;
  }

  /** The connection to the client is gone (closed, reset or destroyed by us). */
  get gone(): boolean {
    return this.h2
      ? (this.res as http2.Http2ServerResponse).stream.destroyed
      : (this.res as http.ServerResponse).destroyed;
  }

  /** HTTP/2 has no status message (Node warns when one is passed). */
  writeHead(status: number, statusMessage: string | undefined, headers: OutHeaders): void {
    if (this.h2 || statusMessage === undefined) (this.res as http.ServerResponse).writeHead(status, headers);
    else (this.res as http.ServerResponse).writeHead(status, statusMessage, headers);
  }

  /** HTTP/2's writeHead already sent the HEADERS frame; HTTP/1.1 holds them for the first body write. */
  flushHeaders(): void {
    if (!this.h2) (this.res as http.ServerResponse).flushHeaders();
  }

  /** False when the client is slower than the upstream: wait for onDrain. */
  write(chunk: Buffer | string, cb?: () => void): boolean {
    return (this.res as http.ServerResponse).write(chunk, cb);
  }

  onceDrain(fn: () => void): void {
    this.res.once('drain', fn);
  }

  end(cb?: () => void): void {
    (this.res as http.ServerResponse).end(cb);
  }

  destroy(): void {
    this.res.destroy();
  }

  onClose(fn: () => void): void {
    this.res.on('close', fn);
  }

  offClose(fn: () => void): void {
    this.res.off('close', fn);
  }

  /** A whole answer at once (proxy errors and held upstream answers). */
  send(status: number, headers: OutHeaders, body: Buffer | string, statusMessage?: string): void {
    this.writeHead(status, statusMessage, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    (this.res as http.ServerResponse).end(body);
  }

  /** An answer from the proxy itself, in Anthropic's error shape. */
  sendError(status: number, type: AnthropicErrorType, message: string): void {
    this.send(status, { 'content-type': 'application/json' }, anthropicErrorJson(type, message));
  }
}

// A client request as the lanes see it: read whole (bounded), its model and stream flag known.
import type { ClientExchange } from './client-exchange.js';
import { isMessagesPath } from './decide.js';
import { readMessagesBody } from './messages-body.js';

export interface RequestInfo {
  rid: string;
  method: string;
  path: string;
  query: string;
  body: Buffer;
  /** The body as a JSON object (parsed at most once, and only when needed), for /v1/messages requests. */
  json(): Record<string, unknown> | undefined;
  model: string | undefined;
  stream: boolean;
  h2: boolean;
  rawHeaders: string[];
}

/** Short request id. Not a secret, so a fast non-crypto source is enough (crypto.randomBytes showed in profiles). */
export function newRid(): string {
  return ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
}

export interface ReadBody {
  body: Buffer;
  /** Bytes the client sent, also when they were more than the limit and dropped. */
  size: number;
  tooLarge: boolean;
}

/** The whole body, up to `limit` bytes; beyond it the rest is read and dropped, so a 413 reaches the client cleanly. */
export async function readBody(chunks: AsyncIterable<Buffer>, limit: number): Promise<ReadBody> {
  const kept: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limit) {
      tooLarge = true;
      kept.length = 0;
      continue;
    }
    kept.push(chunk);
  }
  return { body: tooLarge ? Buffer.alloc(0) : Buffer.concat(kept, size), size, tooLarge };
}

/** Split the target, and read model and stream from a /v1/messages body (not JSON: neither is known). */
export function requestInfo(exchange: ClientExchange, body: Buffer): RequestInfo {
  const q = exchange.target.indexOf('?');
  const path = q === -1 ? exchange.target : exchange.target.slice(0, q);
  const parsed = isMessagesPath(exchange.method, path) ? readMessagesBody(body) : undefined;
  return {
    rid: newRid(),
    method: exchange.method,
    path,
    query: q === -1 ? '' : exchange.target.slice(q),
    body,
    json: parsed ? parsed.json : () => undefined,
    model: parsed?.model,
    stream: parsed?.stream ?? false,
    h2: exchange.h2,
    rawHeaders: exchange.rawHeaders,
  };
}

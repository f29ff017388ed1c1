// A client request read for the lanes: its body whole (bounded, decoded), its model and stream flag known.
import { gunzipSync } from 'node:zlib';
import type { ClientExchange } from '../front/client-exchange.js';
import { clientLabels } from '../front/client-labels.js';
import type { RequestInfo } from '../front/request-info.js';
import { isMessagesPath } from './api-paths.js';
import { leadingModel, readMessagesBody } from './messages-body.js';

/** Short request id. Not a secret, so a fast non-crypto source is enough (crypto.randomBytes showed in profiles). */
export function newRid(): string {
  return ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
}

export interface ReadBody {
  body: Buffer;
  /** Bytes the client sent, also when they were more than the limit and dropped. */
  size: number;
  tooLarge: boolean;
  /** The first bytes of a body that was too large (its model may be read from them). */
  head?: Buffer;
}

/** How much of a too-large body is kept to read its model from. */
const HEAD_BYTES = 4096;

/** The whole body, up to `limit` bytes; beyond it the rest is read and dropped, so a 413 reaches the client cleanly. */
export async function readBody(chunks: AsyncIterable<Buffer>, limit: number): Promise<ReadBody> {
  const kept: Buffer[] = [];
  let size = 0;
  let head: Buffer | undefined;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limit) {
      head ??= Buffer.concat([...kept, chunk]).subarray(0, HEAD_BYTES);
      kept.length = 0;
      continue;
    }
    kept.push(chunk);
  }
  return head
    ? { body: Buffer.alloc(0), size, tooLarge: true, head }
    : { body: Buffer.concat(kept, size), size, tooLarge: false };
}

/**
 * Split the target, and read model and stream from a /v1/messages body (not JSON: neither is known).
 * A body too large to keep is known by its size and, when it starts with it, its model. A gzip body is
 * read decoded (up to `maxDecodedBytes`; beyond it, or not gzip after all, it stays as sent and unread).
 */
export function requestInfo(exchange: ClientExchange, read: ReadBody, maxDecodedBytes: number): RequestInfo {
  const q = exchange.target.indexOf('?');
  const path = q === -1 ? exchange.target : exchange.target.slice(0, q);
  const messages = isMessagesPath(exchange.method, path);
  const encoding = contentEncoding(exchange.rawHeaders);
  const decoded = encoding === 'gzip' && messages ? gunzipBounded(read.body, maxDecodedBytes) : undefined;
  const body = decoded ?? read.body;
  const parsed = messages && !read.head ? readMessagesBody(body) : undefined;
  const model = parsed?.model ?? (messages && read.head ? leadingModel(read.head) : undefined);
  return {
    rid: newRid(),
    method: exchange.method,
    path,
    query: q === -1 ? '' : exchange.target.slice(q),
    body,
    ...(decoded && encoding ? { encoded: { body: read.body, encoding } } : {}),
    json: parsed ? parsed.json : () => undefined,
    model,
    size: read.size,
    stream: parsed?.stream ?? false,
    h2: exchange.h2,
    rawHeaders: exchange.rawHeaders,
    labels: clientLabels(exchange.rawHeaders),
  };
}

/** The request's Content-Encoding, lower-cased; undefined when absent or identity. */
function contentEncoding(raw: readonly string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'content-encoding') continue;
    const v = raw[i + 1]!.trim().toLowerCase();
    return v === '' || v === 'identity' ? undefined : v;
  }
  return undefined;
}

/** A gzip body decoded (bounded, so a zip bomb cannot grow memory); undefined when it is not valid gzip. */
function gunzipBounded(body: Buffer, maxBytes: number): Buffer | undefined {
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch {
    return undefined;
  }
}

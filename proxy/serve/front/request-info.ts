// A client request as every room after the front sees it: what the client sent, read whole, with what
// the router learned of it (model, stream flag, Claude Code's labels). Built by lane/request.ts.
import type { ClientLabels } from './client-labels.js';

export interface RequestInfo {
  rid: string;
  method: string;
  path: string;
  query: string;
  /** The body, decoded when the client sent it compressed (what the lanes read and rewrite). */
  body: Buffer;
  /**
   * A body the client sent `Content-Encoding: gzip` (Claude Code 2.1.337 may, for bodies ≥ 512 KiB):
   * the bytes as sent and their encoding, for the Anthropic lane to forward unchanged.
   */
  encoded?: { body: Buffer; encoding: string };
  /** Bytes the client sent (more than body.length when the body was too large to keep). */
  size: number;
  /** The body as a JSON object (parsed at most once, and only when needed), for /v1/messages requests. */
  json(): Record<string, unknown> | undefined;
  model: string | undefined;
  stream: boolean;
  h2: boolean;
  rawHeaders: string[];
  /** Claude Code's session, request class and request id, when it sent them. */
  labels: ClientLabels;
}

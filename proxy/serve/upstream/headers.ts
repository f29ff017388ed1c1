// Pure header rewrites for each lane (docs/CONTRACT.md §2). No I/O.
import type { HeaderMode } from '../../common/config.js';
import type { OutHeaders } from '../front/client-exchange.js';
import { zaiKeyHeader } from './zai-key.js';
import { isThirdPartyHeader, thirdPartyBetas } from './zai-dialect.js';

/** Headers that belong to one connection, not to the request (RFC 9110 §7.6.1), plus `host`. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** The proxy's own headers (x-ccp-token for its control endpoints): never forwarded upstream. */
export const INTERNAL_PREFIX = 'x-ccp-';

/** Client credentials: never sent to the Z.AI lane. */
const CLIENT_CREDENTIALS = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization']);

function connectionListed(raw: readonly string[]): Set<string> {
  const listed = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') {
      for (const token of raw[i + 1]!.split(',')) listed.add(token.trim().toLowerCase());
    }
  }
  return listed;
}

function add(out: OutHeaders, name: string, value: string): void {
  const prev = out[name];
  if (prev === undefined) out[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else out[name] = [prev, value];
}

/** End-to-end request headers from Node's flat rawHeaders, names lower-cased, connection-level ones dropped. */
export function endToEndHeaders(
  raw: readonly string[],
  drop: ReadonlySet<string> = new Set(),
  dropAlso: (name: string) => boolean = () => false,
): OutHeaders {
  const listed = connectionListed(raw);
  const out: OutHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (
      HOP_BY_HOP.has(name) ||
      listed.has(name) ||
      drop.has(name) ||
      name.startsWith(INTERNAL_PREFIX) ||
      dropAlso(name)
    )
      continue;
    add(out, name, raw[i + 1]!);
  }
  return out;
}

/** Anthropic lane: the client's headers and credentials unchanged, except hop-by-hop and an identity encoding. */
export function anthropicLaneHeaders(raw: readonly string[], bodyLength: number, hasBody: boolean): OutHeaders {
  const out = endToEndHeaders(raw);
  out['accept-encoding'] = 'identity';
  if (hasBody) out['content-length'] = String(bodyLength);
  return out;
}

export interface ZaiHeaderOptions {
  key: string;
  mode: HeaderMode;
  anthVersion: string;
}

/**
 * Z.AI lane: only the headers and betas of Claude Code's third-party shape (zai-dialect.ts) — so every
 * client credential and every Claude Code identifier is gone — and the lane key in the configured mode.
 */
export function zaiLaneHeaders(raw: readonly string[], bodyLength: number, opts: ZaiHeaderOptions): OutHeaders {
  // The allowlist leaves out Claude Code's identifiers of the user's sessions, prompts, agents and
  // requests (x-claude-code-*, x-client-request-id): a third party needs none of them to answer; the
  // proxy's own log keeps them (docs/ZAI.md, "What Z.AI receives").
  const out = endToEndHeaders(raw, CLIENT_CREDENTIALS, (name) => !isThirdPartyHeader(name));
  const beta = thirdPartyBetas(out['anthropic-beta']);
  if (beta === undefined) delete out['anthropic-beta'];
  else out['anthropic-beta'] = beta;
  const [name, value] = zaiKeyHeader(opts.mode, opts.key);
  out[name] = value;
  if (out['anthropic-version'] === undefined) out['anthropic-version'] = opts.anthVersion;
  out['accept-encoding'] = 'identity';
  out['content-length'] = String(bodyLength);
  return out;
}

/** Response headers safe to relay to the client: hop-by-hop removed (Node frames the body itself). */
export function responseHeaders(raw: readonly string[]): OutHeaders {
  const listed = connectionListed(raw);
  const out: OutHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'content-length') {
      add(out, name, raw[i + 1]!);
      continue;
    }
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue;
    add(out, name, raw[i + 1]!);
  }
  return out;
}

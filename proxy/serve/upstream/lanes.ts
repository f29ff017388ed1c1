// Where each lane sends a request and what it changes on the way: URL, headers, body (docs/CONTRACT.md §2).
import type { Config, HeaderMode } from '../../common/config.js';
import type { Lane } from '../../common/log-schema.js';
import type { OutHeaders } from '../front/client-exchange.js';
import { anthropicLaneHeaders, zaiLaneHeaders } from './headers.js';
import type { RequestInfo } from '../front/request-info.js';
import { stripForeignThinking, type SignatureMemory } from './thinking-guard.js';
import { thirdPartyBody, withoutContextSuffix } from './zai-dialect.js';

export interface LaneTarget {
  lane: Lane;
  url: URL;
  headers: OutHeaders;
  body: Buffer;
  upstreamModel?: string;
  headerMode?: HeaderMode;
  thinkingRemoved?: number;
  /** The Anthropic lane removed `thinking` for this request (see stripForeignThinking). */
  thinkingDisabled?: boolean;
  /** Top-level fields removed for Z.AI (it named them unknown). */
  droppedFields?: string[];
}

/** Base URL path prefix + request path + query (the query is kept as the client sent it). */
export function joinUrl(base: URL, path: string, query: string): URL {
  const url = new URL(base.href);
  url.pathname = base.pathname.replace(/\/+$/, '') + path;
  url.search = query;
  return url;
}

/**
 * Z.AI lane: ZAI_BASE_URL + path, the client's credentials replaced by the lane key, the body in Claude
 * Code's third-party dialect (zai-dialect.ts: first-party fields such as `diagnostics` and `thread`
 * removed, a `[1m]` suffix stripped, the model mapped), and the top-level fields in `drop` removed
 * (fields Z.AI named unknown). A body that needs none of it is sent as it came.
 */
export function zaiTarget(
  request: RequestInfo,
  config: Config,
  mode: HeaderMode,
  drop: ReadonlySet<string> = new Set(),
): LaneTarget {
  let body = request.body;
  const json = request.json();
  let upstreamModel: string | undefined;
  const dropped: string[] = [];
  if (json) {
    const model = typeof json.model === 'string' ? json.model : undefined;
    const bare = model !== undefined ? withoutContextSuffix(model) : undefined;
    const sent = bare !== undefined ? (mapModel(bare, config.zaiModelMap) ?? bare) : undefined;
    const dialect = thirdPartyBody(json, sent);
    const out = dialect.body;
    if (sent !== undefined) out.model = sent;
    for (const k of Object.keys(out)) {
      if (!drop.has(k)) continue;
      delete out[k];
      dropped.push(k);
    }
    if (sent !== model || dialect.removed.length || dialect.thinkingDisabledRemoved || dropped.length)
      body = Buffer.from(JSON.stringify(out));
    if (sent !== model) upstreamModel = sent;
  }
  return {
    lane: 'zai',
    url: joinUrl(config.zaiBaseUrl, request.path, request.query),
    headers: zaiLaneHeaders(request.rawHeaders, body.length, {
      key: config.zaiApiKey ?? '',
      mode,
      anthVersion: config.anthVersion,
    }),
    body,
    ...(upstreamModel ? { upstreamModel } : {}),
    headerMode: mode,
    ...(dropped.length ? { droppedFields: dropped } : {}),
  };
}

/** Anthropic lane: the client's own request, byte for byte, except history blocks that Z.AI signed (the one repair). */
export function anthropicTarget(request: RequestInfo, config: Config, zaiSignatures: SignatureMemory): LaneTarget {
  let body = request.body;
  let thinkingRemoved: number | undefined;
  let thinkingDisabled = false;
  const json = zaiSignatures.size > 0 && body.includes('"thinking"') ? request.json() : undefined;
  if (json) {
    const guarded = stripForeignThinking(json, (sig) => zaiSignatures.has(sig));
    if (guarded.removed > 0) {
      body = Buffer.from(JSON.stringify(guarded.body));
      thinkingRemoved = guarded.removed;
      thinkingDisabled = guarded.droppedThinking;
    }
  }
  // A compressed body goes as it came unless the guard changed it (then decoded, without the encoding).
  const asSent = request.encoded && body === request.body ? request.encoded.body : body;
  const hasBody = asSent.length > 0 || !['GET', 'HEAD'].includes(request.method);
  const headers = anthropicLaneHeaders(request.rawHeaders, asSent.length, hasBody);
  if (request.encoded && asSent !== request.encoded.body) delete headers['content-encoding'];
  body = asSent;
  return {
    lane: 'anthropic',
    url: joinUrl(config.anthBaseUrl, request.path, request.query),
    headers,
    body,
    ...(thinkingRemoved ? { thinkingRemoved } : {}),
    ...(thinkingDisabled ? { thinkingDisabled } : {}),
  };
}

/** The model id to send on the Z.AI lane: the first matching map entry, else unchanged. */
export function mapModel(model: string, map: readonly { match: string; target: string }[]): string | undefined {
  const m = model.toLowerCase();
  return map.find((e) => m.includes(e.match))?.target;
}

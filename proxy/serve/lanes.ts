// Where each lane sends a request and what it changes on the way: URL, headers, body (DESIGN §2).
import type { Config, HeaderMode } from '../common/config.js';
import type { Lane } from '../common/log-schema.js';
import { mapModel } from './decide.js';
import { anthropicLaneHeaders, zaiLaneHeaders, type OutHeaders } from './headers.js';
import type { RequestInfo } from './request.js';
import { stripForeignThinking, type SignatureMemory } from './thinking-guard.js';

export interface LaneTarget {
  lane: Lane;
  url: URL;
  headers: OutHeaders;
  body: Buffer;
  upstreamModel?: string;
  headerMode?: HeaderMode;
  thinkingRemoved?: number;
}

/** Base URL path prefix + request path + query (the query is kept as the client sent it). */
export function joinUrl(base: URL, path: string, query: string): URL {
  const url = new URL(base.href);
  url.pathname = base.pathname.replace(/\/+$/, '') + path;
  url.search = query;
  return url;
}

/** Z.AI lane: ZAI_BASE_URL + path, the client's credentials replaced by the lane key, the model mapped. */
export function zaiTarget(request: RequestInfo, config: Config, mode: HeaderMode): LaneTarget {
  let body = request.body;
  let upstreamModel: string | undefined;
  const mapped = request.model ? mapModel(request.model, config.zaiModelMap) : undefined;
  const json = mapped ? request.json() : undefined;
  if (mapped && json) {
    body = Buffer.from(JSON.stringify({ ...json, model: mapped }));
    upstreamModel = mapped;
  }
  return {
    lane: 'zai',
    url: joinUrl(config.zaiBaseUrl, request.path, request.query),
    headers: zaiLaneHeaders(request.rawHeaders, body.length, { key: config.zaiApiKey ?? '', mode, anthVersion: config.anthVersion }),
    body,
    ...(upstreamModel ? { upstreamModel } : {}),
    headerMode: mode,
  };
}

/** Anthropic lane: the client's own request, byte for byte, except history blocks that Z.AI signed (the one repair). */
export function anthropicTarget(request: RequestInfo, config: Config, zaiSignatures: SignatureMemory): LaneTarget {
  let body = request.body;
  let thinkingRemoved: number | undefined;
  const json = zaiSignatures.size > 0 && body.includes('"thinking"') ? request.json() : undefined;
  if (json) {
    const guarded = stripForeignThinking(json, (sig) => zaiSignatures.has(sig));
    if (guarded.removed > 0) {
      body = Buffer.from(JSON.stringify(guarded.body));
      thinkingRemoved = guarded.removed;
    }
  }
  const hasBody = body.length > 0 || !['GET', 'HEAD'].includes(request.method);
  return {
    lane: 'anthropic',
    url: joinUrl(config.anthBaseUrl, request.path, request.query),
    headers: anthropicLaneHeaders(request.rawHeaders, body.length, hasBody),
    body,
    ...(thinkingRemoved ? { thinkingRemoved } : {}),
  };
}

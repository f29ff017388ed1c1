// Where each lane sends a request and what it changes on the way: URL, headers, body (docs/CONTRACT.md §2).
import type { Config, HeaderMode } from '../../common/config.js';
import type { Lane } from '../../common/log-schema.js';
import { anthropicLaneHeaders, zaiLaneHeaders, type OutHeaders } from './headers.js';
import type { RequestInfo } from '../lane/request.js';
import { stripForeignThinking, type SignatureMemory } from './thinking-guard.js';

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
 * Z.AI lane: ZAI_BASE_URL + path, the client's credentials replaced by the lane key, the model mapped,
 * and the top-level fields in `drop` removed (fields Z.AI named unknown; the only other body change).
 */
export function zaiTarget(
  request: RequestInfo,
  config: Config,
  mode: HeaderMode,
  drop: ReadonlySet<string> = new Set(),
): LaneTarget {
  let body = request.body;
  const mapped = request.model ? mapModel(request.model, config.zaiModelMap) : undefined;
  const json = mapped || drop.size ? request.json() : undefined;
  const dropped = json ? Object.keys(json).filter((k) => drop.has(k)) : [];
  if (json && (mapped || dropped.length)) {
    const out: Record<string, unknown> = { ...json, ...(mapped ? { model: mapped } : {}) };
    for (const k of dropped) delete out[k];
    body = Buffer.from(JSON.stringify(out));
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
    ...(mapped && json ? { upstreamModel: mapped } : {}),
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
  const hasBody = body.length > 0 || !['GET', 'HEAD'].includes(request.method);
  return {
    lane: 'anthropic',
    url: joinUrl(config.anthBaseUrl, request.path, request.query),
    headers: anthropicLaneHeaders(request.rawHeaders, body.length, hasBody),
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

// The usage log's lines for one attempt: the decision line before dialling, the completion line after.
import { SCHEMA_VERSION, type ErrType, type UsageRecord } from '../../common/log-schema.js';
import { isMessagesPath } from './api-paths.js';
import type { LaneDecision } from './decide.js';
import type { LaneTarget } from '../upstream/lanes.js';
import type { RequestInfo } from '../front/request-info.js';
import type { AttemptObservation } from '../upstream/upstream-attempt.js';

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function errTypeForStatus(status: number): ErrType | undefined {
  if (status === 401) return '401';
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  return undefined;
}

/** The decision line of an attempt. `target` is absent when no upstream was chosen (the proxy answered itself). */
export function decisionRecord(
  request: RequestInfo,
  d: LaneDecision,
  attempt: number,
  target: LaneTarget | undefined,
  paused: boolean,
  extra: Partial<UsageRecord> = {},
): UsageRecord {
  return {
    v: SCHEMA_VERSION,
    event: 'decision',
    ts: Date.now() / 1000,
    rid: request.rid,
    attempt,
    lane: d.lane,
    ...(target ? { upstream: target.url.host } : {}),
    ...(request.model !== undefined ? { model: request.model } : {}),
    ...(target?.upstreamModel ? { upstream_model: target.upstreamModel } : {}),
    decision: d.decision,
    reason: d.reason,
    path: request.path,
    ...(isMessagesPath(request.method, request.path) ? { op: request.stream ? 'stream' : 'nonstream' } : {}),
    req_bytes: target ? target.body.length : request.size,
    h2: request.h2,
    ...(target?.headerMode ? { header_mode: target.headerMode } : {}),
    paused,
    ...(target?.thinkingRemoved ? { thinking_removed: target.thinkingRemoved } : {}),
    ...(target?.thinkingDisabled ? { thinking_disabled: true } : {}),
    ...(target?.droppedFields ? { zai_dropped_fields: target.droppedFields } : {}),
    ...request.labels,
    ...extra,
  };
}

/** The completion line: the decision line's fields, then what the attempt saw. `t0` is the request's start. */
export function completionRecord(
  decision: UsageRecord,
  obs: AttemptObservation,
  t0: number,
  extra: Partial<UsageRecord> = {},
): UsageRecord {
  const errType = obs.errType ?? errTypeForStatus(obs.status);
  return {
    ...decision,
    event: 'complete',
    ts: Date.now() / 1000,
    status: obs.status,
    ...(errType ? { err_type: errType } : {}),
    ...(obs.error ? { error: obs.error } : {}),
    latency_ms: round(obs.endedAt - t0),
    ...(obs.ttfbMs !== undefined ? { ttfb_ms: round(obs.ttfbMs) } : {}),
    ...(obs.sseEvents !== undefined ? { sse_events: obs.sseEvents } : {}),
    ...(obs.firstTokenAt !== undefined ? { ttft_ms: round(obs.firstTokenAt - t0) } : {}),
    ...(obs.firstEventAt !== undefined && obs.lastEventAt !== undefined
      ? { stream_ms: round(obs.lastEventAt - obs.firstEventAt) }
      : {}),
    ...obs.usage,
    ...(obs.stopReason ? { stop_reason: obs.stopReason } : {}),
    // Which model answered: on the Z.AI lane the GLM model it really used, next to what was asked.
    ...(obs.servedModel && obs.servedModel !== decision.model ? { served_model: obs.servedModel } : {}),
    resp_bytes: obs.respBytes,
    ...(obs.requestId ? { request_id: obs.requestId } : {}),
    ...(obs.redialled ? { redial: true } : {}),
    ...extra,
  };
}

// The answers the proxy gives itself instead of an upstream's, as tables: the Anthropic error type of a
// status, and what a request gets during a cooldown with CCP_FALLBACK=0 (docs/ZAI.md). Pure.
import { performance } from 'node:perf_hooks';
import type { UsageRecord } from '../../common/log-schema.js';
import type { ClientReply } from '../front/client-exchange.js';
import type { RequestInfo } from '../front/request-info.js';
import { anthropicErrorJson, type AnthropicErrorType } from '../errors.js';
import { completionRecord } from './usage-record.js';
import type { ZaiCooldown } from './zai-lane-health.js';
import type { CooldownReason } from './zai-failures.js';

/** One request being served: its client, start time and whether its lines are logged. */
export interface Served {
  request: RequestInfo;
  reply: ClientReply;
  t0: number;
  logged: boolean;
}

/** Where a request's lines go (the router's decided/completed events). */
export interface LineSink {
  decided(record: UsageRecord, request: RequestInfo): void;
  completed(record: UsageRecord, request: RequestInfo): void;
}

/** An answer the proxy gives by itself: status, headers, a whole body. */
export interface OwnAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The proxy answers by itself, dialling nothing: the decision line, the answer, the completion line saying so. */
export function answerByProxy(sink: LineSink, s: Served, base: UsageRecord, a: OwnAnswer): void {
  if (s.logged) sink.decided(base, s.request);
  s.reply.send(a.status, a.headers, a.body);
  const obs = {
    status: a.status,
    endedAt: performance.now(),
    respBytes: Buffer.byteLength(a.body),
    usage: {},
    redialled: false,
    signatures: [],
  };
  if (s.logged) sink.completed(completionRecord(base, obs, s.t0, { final: true, proxy_status: a.status }), s.request);
}

/** The 404 Claude Code answers by sending a thread again whole (error.details.error_code thread_not_found). */
export const THREAD_NOT_FOUND: OwnAnswer = {
  status: 404,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    type: 'error',
    error: {
      type: 'not_found_error',
      message:
        'proxy: thread_not_found: this thread was answered on the Z.AI lane, which keeps no threads; send it whole',
      details: { error_code: 'thread_not_found' },
    },
  }),
};

/** What a request gets during a cooldown with CCP_FALLBACK=0: the kind of error the failure gave, with the time left. */
export function cooldownAnswer(cool: ZaiCooldown, nowMs: number): OwnAnswer {
  const { reason } = cool;
  const leftS = Math.max(1, Math.ceil((cool.untilMs - nowMs) / 1000));
  const answer = COOLDOWN_ANSWER[reason];
  const why = reason === 'auth' ? 'Z.AI rejected the Z.AI key; check ZAI_API_KEY and ZAI_HEADER_MODE' : cool.why;
  const message =
    `proxy: the Z.AI lane is cooling down (${reason}: ${why}) for ${formatDuration(leftS)} more, ` +
    `until ${new Date(cool.untilMs).toISOString()}; CCP_FALLBACK=0, so Haiku is not sent to Anthropic instead`;
  return {
    status: answer.status,
    headers: { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': String(leftS) } : {}) },
    body: anthropicErrorJson(answer.type, message),
  };
}

export const ANTHROPIC_ERROR_TYPE: Record<number, AnthropicErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** What a request gets during a cooldown with CCP_FALLBACK=0: the kind of answer the failure itself gave (docs/ZAI.md). */
export const COOLDOWN_ANSWER: Record<
  CooldownReason,
  { status: number; type: AnthropicErrorType; retryAfter: boolean }
> = {
  rate: { status: 429, type: 'rate_limit_error', retryAfter: true },
  quota: { status: 429, type: 'rate_limit_error', retryAfter: true },
  overload: { status: 529, type: 'overloaded_error', retryAfter: true },
  auth: { status: 502, type: 'api_error', retryAfter: false },
  plan: { status: 502, type: 'api_error', retryAfter: false },
  model: { status: 502, type: 'api_error', retryAfter: false },
  network: { status: 502, type: 'api_error', retryAfter: false },
};

/** 95 → "1 min 35 s", 7200 → "2 h 0 min". */
export function formatDuration(totalS: number): string {
  const s = Math.round(totalS);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// The answers the proxy gives itself instead of an upstream's, as tables: the Anthropic error type of a
// status, and what a request gets during a cooldown with CCP_FALLBACK=0 (docs/ZAI.md). Pure.
import type { AnthropicErrorType } from '../errors.js';
import type { CooldownReason } from './zai-failures.js';

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

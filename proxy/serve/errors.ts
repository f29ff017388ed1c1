// Anthropic-shaped error bodies for answers the proxy itself gives (docs.claude.com/en/api/errors).

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error';

export function anthropicError(
  type: AnthropicErrorType,
  message: string,
): { type: 'error'; error: { type: AnthropicErrorType; message: string } } {
  return { type: 'error', error: { type, message } };
}

export function anthropicErrorJson(type: AnthropicErrorType, message: string): string {
  return JSON.stringify(anthropicError(type, message));
}

/**
 * The SSE form, for failures after a stream has started: the client sees an error, not a clean end.
 * It passes Claude Code 2.1.337's stream damage check ("Reply damaged in transit"): named `error` like
 * its data's type, no NUL or U+FFFD in it, and on a line of its own — after `relayedTail` (the last
 * bytes already relayed) it first ends an upstream event cut off mid-way, so it is never glued to one.
 */
export function anthropicErrorEvent(type: AnthropicErrorType, message: string, relayedTail?: Uint8Array): string {
  const clean = message.replace(/[\0\ufffd]/g, '?');
  const tail = relayedTail ? Buffer.from(relayedTail).toString('latin1') : '\n\n';
  const boundary = tail === '' || tail.endsWith('\n\n') ? '' : tail.endsWith('\n') ? '\n' : '\n\n';
  return `${boundary}event: error\ndata: ${anthropicErrorJson(type, clean)}\n\n`;
}

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

/** The SSE form, for failures after a stream has started: the client sees an error, not a clean end. */
export function anthropicErrorEvent(type: AnthropicErrorType, message: string): string {
  return `event: error\ndata: ${anthropicErrorJson(type, message)}\n\n`;
}

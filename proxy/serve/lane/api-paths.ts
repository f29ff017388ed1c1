// Which intercepted requests can leave the Anthropic lane at all: POST /v1/messages, nothing else. Pure.

/**
 * `/v1/messages` exactly (Claude Code adds `?beta=true`; callers pass the path without it). Everything
 * under it — `count_tokens`, `evaluate_safeguards` (2.1.337: its body has a `model` too), `batches`, a
 * trailing slash — is about the Anthropic account or another endpoint, and stays.
 */
export function isMessagesPath(method: string, path: string): boolean {
  return method === 'POST' && path === '/v1/messages';
}

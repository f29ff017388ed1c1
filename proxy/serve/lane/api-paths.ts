// Which intercepted requests can leave the Anthropic lane at all: POST /v1/messages, nothing else. Pure.

/** `/v1/messages` exactly (Claude Code adds `?beta=true`; callers pass the path without it). */
export function isMessagesPath(method: string, path: string): boolean {
  return method === 'POST' && (path === '/v1/messages' || path === '/v1/messages/');
}

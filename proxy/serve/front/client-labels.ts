// The labels Claude Code puts on its requests (seen from 2.1.33x): which session, which kind of call,
// which subagent (id, parent, type), and the client's own request id. They are identifiers, not secrets, and go on every log line so
// that cost and lanes can be split by session and by request class.
import type { UsageRecord } from '../../common/log-schema.js';

export type ClientLabels = Pick<
  UsageRecord,
  'session' | 'request_class' | 'client_request_id' | 'agent_id' | 'parent_agent_id' | 'agent_type'
>;

/**
 * A subagent's requests carry its id (always, in both shapes), its type and, when nested, its parent's
 * id; the main thread carries none of them (read from the 2.1.332 CLI through the proxy).
 */
const HEADERS: readonly [string, keyof ClientLabels][] = [
  ['x-claude-code-session-id', 'session'],
  ['x-claude-code-request-class', 'request_class'],
  ['x-client-request-id', 'client_request_id'],
  ['x-claude-code-agent-id', 'agent_id'],
  ['x-claude-code-parent-agent-id', 'parent_agent_id'],
  ['x-claude-code-agent-type', 'agent_type'],
];

/** Longer values are cut: a label is for grouping, and a hostile client must not grow the log. */
const MAX_LABEL = 128;

/** A label as logged: printable ASCII without quotes or backslashes, at most MAX_LABEL characters; undefined when nothing is left. */
export function cleanLabel(value: string): string | undefined {
  const v = value.replace(/[^\x21-\x7e]|["\\]/g, '').slice(0, MAX_LABEL);
  return v || undefined;
}

/** The labels found in a request's raw header list ([name, value, name, value, …]). */
export function clientLabels(rawHeaders: readonly string[]): ClientLabels {
  const out: ClientLabels = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const field = HEADERS.find(([h]) => h === name)?.[1];
    if (!field || out[field] !== undefined) continue;
    const v = cleanLabel(rawHeaders[i + 1]!);
    if (v) out[field] = v;
  }
  return out;
}

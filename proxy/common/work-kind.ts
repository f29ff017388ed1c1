// Kinds of work in a Claude Code session, as the readers and the dashboard group them. Pure.
import type { UsageRecord } from './log-schema.js';

/** A subagent by its type (`subagent general-purpose`), else the request class Claude Code gave it (`main`, `auxiliary`, …). */
export function kindOfWork(
  e: Partial<Pick<UsageRecord, 'agent_id' | 'agent_type' | 'request_class'>>,
): string | undefined {
  if (e.agent_id) return `subagent ${e.agent_type ?? '(untyped)'}`;
  return e.request_class;
}

/**
 * Work no offload switch moves: the main conversation (it moves only where its own model is Haiku, by the
 * Haiku rule, which is counted as it happens), account probes, anything but messages.
 */
export function neverMoves(kind: string, e: Partial<Pick<UsageRecord, 'decision' | 'path'>>): boolean {
  return kind === 'main' || e.decision === 'account_probe' || e.path !== '/v1/messages';
}

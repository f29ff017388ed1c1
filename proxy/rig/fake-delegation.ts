// The tool calls a simulated upstream makes so that the real Claude Code CLI does real work through the
// proxy, as a model that delegates would: on the main thread's first turn, calls of Claude Code's `Agent`
// tool (several in one answer: Claude Code then runs the subagents at once); in a subagent's thread, a
// few harmless tool calls before its answer (turns). Decided from the request alone. Pure.
import type { ToolUse } from './fake-message.js';

export interface Delegation {
  /** The Agent tool's input for each subagent to spawn. */
  spawn?: { subagent_type: string; description: string; prompt: string };
  /** How many subagents the main thread's first turn spawns at once (default 1). */
  spawnCount?: number;
  /** Requests in each subagent's thread: the first `subagentTurns - 1` are answered with a tool call. */
  subagentTurns?: number;
}

export const AGENT_TOOL_USE_ID = 'toolu_fake_agent_0001';
const STEP_PREFIX = 'toolu_fake_step_';

const agentId = (i: number) => (i === 0 ? AGENT_TOOL_USE_ID : `toolu_fake_agent_${String(i + 1).padStart(4, '0')}`);

/** The tool calls to answer this request with; empty for a plain text answer. */
export function scriptedToolUses(
  d: Delegation,
  headers: Record<string, string | string[] | undefined>,
  body: Record<string, unknown>,
): ToolUse[] {
  const tools = Array.isArray(body.tools) ? (body.tools as { name?: unknown }[]).map((t) => t.name) : [];
  const history = JSON.stringify(body.messages ?? []);
  // The Z.AI lane never sees the agent headers (the proxy removes them): a subagent's thread is also known
  // by its task, the spawn prompt, in its first message.
  const first = JSON.stringify((body.messages as unknown[] | undefined)?.[0] ?? '');
  const subagent =
    headers['x-claude-code-agent-id'] !== undefined || (d.spawn !== undefined && first.includes(d.spawn.prompt));
  if (!subagent && d.spawn && tools.includes('Agent')) {
    if (history.includes(`"tool_use_id":"${AGENT_TOOL_USE_ID}"`)) return [];
    return Array.from({ length: d.spawnCount ?? 1 }, (_, i) => ({
      id: agentId(i),
      name: 'Agent',
      input: { ...d.spawn },
    }));
  }
  if (subagent && d.subagentTurns && d.subagentTurns > 1) {
    const done = history.split(`"tool_use_id":"${STEP_PREFIX}`).length - 1;
    if (done >= d.subagentTurns - 1) return [];
    // A read-only look that finds nothing: a turn of real tool work, with no side effect and no prompt.
    const name = tools.includes('Glob') ? 'Glob' : 'NoSuchTool';
    return [
      {
        id: `${STEP_PREFIX}${done + 1}_${Math.random().toString(16).slice(2, 10)}`,
        name,
        input: { pattern: 'ccp-no-such-file-*' },
      },
    ];
  }
  return [];
}

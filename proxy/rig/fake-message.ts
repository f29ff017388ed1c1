// What a simulated upstream answers to a /v1/messages request, as data: the Message for a JSON answer and
// the SSE events for a streamed one (Anthropic's shape; Z.AI reports usage only in message_delta). Pure:
// the upstream (fake-upstream.ts) writes them, with its timing and faults.

/** Usage as the fake puts it on the wire: Anthropic's shape, with the optional split of cache writes by lifetime. */
export interface WireUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** A tool call the fake answers with instead of text. */
export interface ToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnswerPlan {
  id: string;
  model: string;
  usage: WireUsage;
  /** Z.AI's shape: input and cache tokens only in the final message_delta. */
  zaiUsage: boolean;
  thinking?: { text: string; signature: string };
  text: string;
  /** When set, the answer is these tool calls (stop_reason tool_use) instead of text. */
  toolUses: ToolUse[];
  /** Text deltas a streamed text answer is split into. */
  deltas: number;
}

function contentBlocks(p: AnswerPlan): Record<string, unknown>[] {
  return [
    ...(p.thinking ? [{ type: 'thinking', thinking: p.thinking.text, signature: p.thinking.signature }] : []),
    ...(p.toolUses.length ? p.toolUses.map((t) => ({ type: 'tool_use', ...t })) : [{ type: 'text', text: p.text }]),
  ];
}

const stopReason = (p: AnswerPlan) => (p.toolUses.length ? 'tool_use' : 'end_turn');

/** The Message of a non-streaming answer, as JSON text. */
export function messageJson(p: AnswerPlan): string {
  return JSON.stringify({
    id: p.id,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content: contentBlocks(p),
    stop_reason: stopReason(p),
    stop_sequence: null,
    usage: p.usage,
  });
}

export function splitText(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(text.slice(i * size, (i + 1) * size));
  return out;
}

type Event = [string, unknown];

const delta = (index: number, d: Record<string, unknown>): Event => [
  'content_block_delta',
  { type: 'content_block_delta', index, delta: d },
];
const start = (index: number, block: Record<string, unknown>): Event => [
  'content_block_start',
  { type: 'content_block_start', index, content_block: block },
];
const stop = (index: number): Event => ['content_block_stop', { type: 'content_block_stop', index }];

/** The SSE events of a streamed answer, in order: name and data. */
export function messageEvents(p: AnswerPlan): Event[] {
  const startUsage = p.zaiUsage ? { input_tokens: 0, output_tokens: 0 } : { ...p.usage, output_tokens: 1 };
  const deltaUsage = p.zaiUsage ? p.usage : { output_tokens: p.usage.output_tokens ?? 0 };
  const blocks: Event[] = [];
  let index = 0;
  if (p.thinking) {
    blocks.push(
      start(index, { type: 'thinking', thinking: '', signature: '' }),
      delta(index, { type: 'thinking_delta', thinking: p.thinking.text }),
      delta(index, { type: 'signature_delta', signature: p.thinking.signature }),
      stop(index),
    );
    index++;
  }
  if (p.toolUses.length) {
    for (const t of p.toolUses) {
      blocks.push(
        start(index, { type: 'tool_use', id: t.id, name: t.name, input: {} }),
        delta(index, { type: 'input_json_delta', partial_json: JSON.stringify(t.input) }),
        stop(index),
      );
      index++;
    }
  } else {
    blocks.push(
      start(index, { type: 'text', text: '' }),
      ...splitText(p.text, p.deltas).map((t) => delta(index, { type: 'text_delta', text: t })),
      stop(index),
    );
  }
  return [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: p.id,
          type: 'message',
          role: 'assistant',
          model: p.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: startUsage,
        },
      },
    ],
    ['ping', { type: 'ping' }],
    ...blocks,
    [
      'message_delta',
      { type: 'message_delta', delta: { stop_reason: stopReason(p), stop_sequence: null }, usage: deltaUsage },
    ],
    ['message_stop', { type: 'message_stop' }],
  ];
}

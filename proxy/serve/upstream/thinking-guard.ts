// Cross-lane thinking blocks. A Haiku conversation that ran on Z.AI carries GLM-signed `thinking` blocks
// in its history; Anthropic rejects those ("Invalid signature in thinking block"). The router remembers
// (hashed, bounded) the signatures Z.AI produced and removes only those blocks on the Anthropic lane.
import { createHash } from 'node:crypto';

export class SignatureMemory {
  private readonly seen = new Map<string, true>();

  constructor(private readonly max = 20_000) {}

  private key(signature: string): string {
    return createHash('sha256').update(signature).digest('base64').slice(0, 22);
  }

  remember(signature: string): void {
    const k = this.key(signature);
    this.seen.delete(k);
    this.seen.set(k, true);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string);
  }

  has(signature: string): boolean {
    return this.seen.has(this.key(signature));
  }

  get size(): number {
    return this.seen.size;
  }
}

/** Signatures of thinking blocks in a non-streaming Messages response body. */
export function signaturesInMessage(body: unknown): string[] {
  const content = (body as { content?: unknown })?.content;
  if (!Array.isArray(content)) return [];
  return content.flatMap((b: unknown) => {
    const block = b as { type?: unknown; signature?: unknown };
    return block?.type === 'thinking' && typeof block.signature === 'string' ? [block.signature] : [];
  });
}

export interface GuardResult {
  body: Record<string, unknown>;
  removed: number;
  droppedThinking: boolean;
}

/**
 * Remove history thinking blocks carrying a foreign signature. When thinking is enabled and the last
 * assistant turn has tool_use but no longer starts with a thinking block, the API would reject the
 * request, so `thinking` is dropped for this one request. Blocks Anthropic signed are never touched.
 */
export function stripForeignThinking(
  body: Record<string, unknown>,
  isForeign: (signature: string) => boolean,
): GuardResult {
  const messages = body.messages;
  if (!Array.isArray(messages)) return { body, removed: 0, droppedThinking: false };
  let removed = 0;
  const out = messages.map((m: unknown) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (msg?.role !== 'assistant' || !Array.isArray(msg.content)) return m;
    const kept = msg.content.filter((b: unknown) => {
      const block = b as { type?: unknown; signature?: unknown };
      const foreign = block?.type === 'thinking' && typeof block.signature === 'string' && isForeign(block.signature);
      if (foreign) removed++;
      return !foreign;
    });
    return kept.length === msg.content.length ? m : { ...msg, content: kept };
  });
  if (removed === 0) return { body, removed: 0, droppedThinking: false };
  const next: Record<string, unknown> = { ...body, messages: out };
  let droppedThinking = false;
  const thinking = body.thinking as { type?: unknown } | undefined;
  if (thinking && thinking.type !== 'disabled') {
    const lastAssistant = [...out].reverse().find((m) => (m as { role?: unknown }).role === 'assistant') as
      | { content?: unknown }
      | undefined;
    const blocks = Array.isArray(lastAssistant?.content) ? (lastAssistant!.content as { type?: unknown }[]) : [];
    const hasToolUse = blocks.some((b) => b?.type === 'tool_use');
    const startsWithThinking = blocks[0]?.type === 'thinking' || blocks[0]?.type === 'redacted_thinking';
    if (hasToolUse && !startsWithThinking) {
      delete next.thinking;
      droppedThinking = true;
    }
  }
  return { body: next, removed, droppedThinking };
}

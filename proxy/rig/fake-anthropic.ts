// What the simulated Anthropic keeps and checks that the simulated Z.AI does not: the thinking blocks
// it signed (the real API rejects history blocks whose signature it did not issue), the messages it
// answered (the Message Threads it can continue), and the subscription's rate-limit headers.
import type http from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';

export class AnthropicMemory {
  private readonly signingKey = randomBytes(16);
  /** Message ids this fake answered with: the Message Threads it can continue. */
  private readonly issuedIds = new Set<string>();

  /** Read at each use: a test may change the upstream's options while it runs. */
  constructor(private readonly opts: { thinking?: 'anthropic' | 'glm'; unifiedRateLimit?: Record<string, string> }) {}

  private get thinking() {
    return this.opts.thinking;
  }

  /** A new message id, remembered as one this fake can continue. */
  messageId(): string {
    const id = `msg_${randomBytes(8).toString('hex')}`;
    this.issuedIds.add(id);
    return id;
  }

  /** A signature for a thinking text: 'anthropic' signs with a secret, 'glm' with an opaque id it never checks. */
  sign(text: string): string {
    if (this.thinking === 'glm') return `glm-${randomBytes(12).toString('hex')}`;
    return this.anthropicSignature(text);
  }

  private anthropicSignature(text: string): string {
    return `anth-${createHmac('sha256', this.signingKey).update(text).digest('base64')}`;
  }

  /** The real API's checks on thinking blocks in the history, as far as the tests need them. */
  thinkingProblem(body: Record<string, unknown>): string | undefined {
    if (this.thinking !== 'anthropic' || !Array.isArray(body.messages)) return undefined;
    const messages = body.messages as { role?: string; content?: unknown }[];
    for (const [i, m] of messages.entries()) {
      if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
      for (const [j, b] of (m.content as { type?: string; thinking?: string; signature?: string }[]).entries()) {
        if (b.type === 'thinking' && b.signature !== this.anthropicSignature(b.thinking ?? ''))
          return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      }
    }
    const enabled = (body.thinking as { type?: string } | undefined)?.type === 'enabled';
    const last = [...messages].reverse().find((m) => m.role === 'assistant');
    const blocks = Array.isArray(last?.content) ? (last!.content as { type?: string }[]) : [];
    if (
      enabled &&
      blocks.some((b) => b.type === 'tool_use') &&
      blocks[0]?.type !== 'thinking' &&
      blocks[0]?.type !== 'redacted_thinking'
    ) {
      return (
        'messages: Expected `thinking` or `redacted_thinking`, but found `tool_use`. ' +
        'When `thinking` is enabled, a final `assistant` message must start with a thinking block'
      );
    }
    return undefined;
  }

  /**
   * Message Threads: a continuation of a message this fake did not answer is 404 thread_not_found, as the
   * CLI expects it (error.details.error_code). Undefined when it may go on.
   */
  threadProblem(body: Record<string, unknown>, requestId: string): string | undefined {
    const thread = body.thread as { type?: unknown; previous_message_id?: unknown } | undefined;
    const previous = thread?.type === 'continue' ? thread.previous_message_id : body.previous_message_id;
    if (typeof previous !== 'string' || this.issuedIds.has(previous)) return undefined;
    return JSON.stringify({
      type: 'error',
      error: { type: 'not_found_error', message: 'thread_not_found', details: { error_code: 'thread_not_found' } },
      request_id: requestId,
    });
  }

  /** A subscription (OAuth) request is answered with the unified rate-limit headers Claude Code reads. */
  rateLimitHeaders(req: http.IncomingMessage): Record<string, string> {
    const oauth = /^Bearer\s+sk-ant-oat/i.test(req.headers.authorization ?? '');
    return oauth && this.opts.unifiedRateLimit ? this.opts.unifiedRateLimit : {};
  }
}

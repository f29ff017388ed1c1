// Message Threads (beta message-threads-2026-08-12): Claude Code may send only the newest messages with
// `thread: {type: "continue", previous_message_id}` (or, in its newer form, a top-level
// `previous_message_id`), and the server that answered that message holds the rest. A thread therefore
// belongs to the lane that answered it: this remembers, bounded, which lane answered which message id.
import type { Lane } from '../../common/log-schema.js';

const PREVIOUS_ID_KEY = Buffer.from('"previous_message_id"');

/** Cheap pre-check on the raw body, so megabyte bodies that continue no thread are never parsed for it. */
export function mayContinueThread(body: Buffer): boolean {
  return body.includes(PREVIOUS_ID_KEY);
}

/** The message id a request continues from, or undefined when it starts or carries no thread. Pure. */
export function continuedMessageId(body: Record<string, unknown> | undefined): string | undefined {
  if (!body) return undefined;
  const thread = body.thread as { type?: unknown; previous_message_id?: unknown } | undefined;
  if (thread && typeof thread === 'object' && thread.type === 'continue')
    return typeof thread.previous_message_id === 'string' ? thread.previous_message_id : undefined;
  return typeof body.previous_message_id === 'string' ? body.previous_message_id : undefined;
}

export class ThreadLanes {
  private readonly answeredBy = new Map<string, Lane>();

  constructor(private readonly max = 50_000) {}

  /** An answer with this message id reached the client from `lane`. */
  remember(messageId: string, lane: Lane): void {
    this.answeredBy.delete(messageId);
    this.answeredBy.set(messageId, lane);
    if (this.answeredBy.size > this.max) this.answeredBy.delete(this.answeredBy.keys().next().value as string);
  }

  /** Which lane answered `messageId`, or 'unknown' when this proxy did not see it answered. */
  laneOf(messageId: string): Lane | 'unknown' {
    return this.answeredBy.get(messageId) ?? 'unknown';
  }
}

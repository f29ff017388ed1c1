// Pure, incremental observer of an Anthropic SSE stream (docs/CONTRACT.md §4). It never changes the bytes;
// it only watches them for timings, usage, stop reason and `error` events.
import type { UsageRecord } from '../../common/log-schema.js';

/** The usage fields of a log line (log-schema.ts), as the stream reports them. */
export type Usage = Pick<
  UsageRecord,
  | 'input_tokens'
  | 'output_tokens'
  | 'cache_creation_input_tokens'
  | 'cache_read_input_tokens'
  | 'cache_creation_5m_input_tokens'
  | 'cache_creation_1h_input_tokens'
>;

export const USAGE_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
] as const;

export interface StreamError {
  type: string;
  message: string;
}

export interface StreamObservation {
  events: number;
  /** Times are whatever clock the caller passes to push(); the router uses performance.now(). */
  firstEventAt?: number;
  firstDeltaAt?: number;
  lastEventAt?: number;
  usage: Usage;
  stopReason?: string;
  model?: string;
  /** message_start.message.id: what a Message Thread continues from. */
  messageId?: string;
  error?: StreamError;
  /** True once `message_stop` was seen: the stream finished as the API intends. */
  complete: boolean;
  /** Thinking-block signatures (signature_delta), collected only when asked for. */
  signatures: string[];
}

/** Events whose data we parse; everything else (deltas, pings, unknown types) is only counted. */
const PARSED = new Set(['message_start', 'message_delta', 'error']);
/** Cap on one event's retained data, so a hostile stream cannot grow memory. */
const MAX_EVENT_DATA = 1 << 20;

export function mergeUsage(into: Usage, from: unknown): void {
  if (!from || typeof from !== 'object') return;
  const src = from as Record<string, unknown>;
  for (const f of USAGE_FIELDS) {
    const v = src[f];
    if (typeof v === 'number' && Number.isFinite(v)) into[f] = v;
  }
  const split = src.cache_creation as Record<string, unknown> | undefined;
  if (split && typeof split === 'object') {
    const m5 = split.ephemeral_5m_input_tokens;
    const h1 = split.ephemeral_1h_input_tokens;
    if (typeof m5 === 'number' && Number.isFinite(m5)) into.cache_creation_5m_input_tokens = m5;
    if (typeof h1 === 'number' && Number.isFinite(h1)) into.cache_creation_1h_input_tokens = h1;
  }
}

export class SseObserver {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private eventName = '';
  private data = '';
  private dataLines = 0;
  private keepData = true;
  readonly obs: StreamObservation = { events: 0, usage: {}, complete: false, signatures: [] };

  /** @param collectSignatures parse deltas that carry a thinking signature (Z.AI lane only). */
  constructor(private readonly collectSignatures = false) {}

  push(chunk: Uint8Array | string, now: number): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text === '') return;
    let start = 0;
    const buf = this.pending + text;
    this.pending = '';
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl === -1) break;
      let line = buf.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line, now);
      start = nl + 1;
    }
    this.pending = buf.slice(start);
  }

  /** The stream ended: returns what was seen. An unterminated last event is discarded, as the SSE spec says. */
  end(): StreamObservation {
    const tail = this.decoder.decode();
    if (tail) this.pending += tail;
    return this.obs;
  }

  private line(line: string, now: number): void {
    if (line === '') {
      this.dispatch(now);
      return;
    }
    if (line.startsWith(':')) return; // comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') {
      this.eventName = value;
      this.keepData = PARSED.has(value);
    } else if (field === 'data') {
      this.dataLines++;
      // Deltas are not parsed (they are most of the stream), except the rare signature_delta when asked.
      if (
        !this.keepData &&
        this.collectSignatures &&
        this.eventName === 'content_block_delta' &&
        value.includes('"signature_delta"')
      )
        this.keepData = true;
      if (this.keepData && this.data.length + value.length < MAX_EVENT_DATA) {
        this.data = this.dataLines > 1 ? `${this.data}\n${value}` : value;
      }
    }
  }

  private dispatch(now: number): void {
    if (this.dataLines === 0 && this.eventName === '') return;
    const o = this.obs;
    o.events++;
    o.firstEventAt ??= now;
    o.lastEventAt = now;
    let name = this.eventName;
    let parsed: Record<string, unknown> | undefined;
    if (this.keepData && this.data) {
      try {
        const v: unknown = JSON.parse(this.data);
        if (v && typeof v === 'object') parsed = v as Record<string, unknown>;
      } catch {
        // Not JSON: still an event, just nothing to learn from it.
      }
      if (!name && parsed && typeof parsed.type === 'string') name = parsed.type;
    }
    this.observe(name, parsed, now);
    this.eventName = '';
    this.data = '';
    this.dataLines = 0;
    this.keepData = true;
  }

  private observe(name: string, d: Record<string, unknown> | undefined, now: number): void {
    const o = this.obs;
    switch (name) {
      case 'content_block_delta': {
        o.firstDeltaAt ??= now;
        const delta = d?.delta as Record<string, unknown> | undefined;
        if (delta?.type === 'signature_delta' && typeof delta.signature === 'string')
          o.signatures.push(delta.signature);
        break;
      }
      case 'message_start': {
        const msg = d?.message as Record<string, unknown> | undefined;
        if (msg) {
          if (typeof msg.model === 'string') o.model = msg.model;
          if (typeof msg.id === 'string') o.messageId = msg.id;
          mergeUsage(o.usage, msg.usage);
        }
        break;
      }
      case 'message_delta': {
        mergeUsage(o.usage, d?.usage);
        const delta = d?.delta as Record<string, unknown> | undefined;
        if (delta && typeof delta.stop_reason === 'string') o.stopReason = delta.stop_reason;
        break;
      }
      case 'message_stop':
        o.complete = true;
        break;
      case 'error': {
        const err = d?.error as Record<string, unknown> | undefined;
        o.error = {
          type: typeof err?.type === 'string' ? err.type : 'unknown_error',
          message: typeof err?.message === 'string' ? err.message : '',
        };
        break;
      }
      default:
        break;
    }
  }
}

export interface JsonObservation {
  usage: Usage;
  stopReason?: string;
  model?: string;
  messageId?: string;
  error?: StreamError;
}

/** Usage and outcome from a non-streaming JSON response body (a Message or an error object). */
export function observeJsonBody(text: string): JsonObservation {
  const out: JsonObservation = { usage: {} };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return out;
  }
  if (!v || typeof v !== 'object') return out;
  const d = v as Record<string, unknown>;
  mergeUsage(out.usage, d.usage);
  if (typeof d.stop_reason === 'string') out.stopReason = d.stop_reason;
  if (typeof d.model === 'string') out.model = d.model;
  if (d.type === 'message' && typeof d.id === 'string') out.messageId = d.id;
  // count_tokens answers {"input_tokens": N} at the top level.
  if (typeof d.input_tokens === 'number' && out.usage.input_tokens === undefined)
    out.usage.input_tokens = d.input_tokens;
  if (d.type === 'error' && d.error && typeof d.error === 'object') {
    const e = d.error as Record<string, unknown>;
    out.error = {
      type: typeof e.type === 'string' ? e.type : 'unknown_error',
      message: typeof e.message === 'string' ? e.message : '',
    };
  }
  return out;
}

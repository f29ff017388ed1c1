// logs/usage.jsonl writer (DESIGN §4): one append-only file per process, one write per line.
import { chmodSync, closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Decision, Lane } from './decide.js';
import type { HeaderMode } from './config.js';

export const SCHEMA_VERSION = 1;

export type ErrType = '401' | '429' | '5xx' | '4xx' | 'net' | 'timeout' | 'client_abort' | 'stream_error' | 'bad_request' | 'shutdown';

/** Every field a line may carry. Absent when unknown, never invented. docs/METRICS-SCHEMA.md documents each one. */
export interface UsageRecord {
  v: typeof SCHEMA_VERSION;
  event: 'decision' | 'complete';
  ts: number;
  rid: string;
  attempt: number;
  lane: Lane;
  /** Absent when the proxy answered without choosing an upstream (e.g. malformed HTTP). */
  upstream?: string;
  model?: string;
  upstream_model?: string;
  decision: Decision;
  reason?: string;
  path: string;
  op?: 'stream' | 'nonstream';
  status?: number;
  err_type?: ErrType;
  error?: string;
  latency_ms?: number;
  ttfb_ms?: number;
  ttft_ms?: number;
  stream_ms?: number;
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  stop_reason?: string;
  sse_events?: number;
  req_bytes?: number;
  resp_bytes?: number;
  h2?: boolean;
  header_mode?: HeaderMode;
  retry?: boolean;
  fallback_from?: Lane;
  paused?: boolean;
  request_id?: string;
  thinking_removed?: number;
}

/** Every field name of UsageRecord, at run time (docs/METRICS-SCHEMA.md is tested against it). */
export const USAGE_RECORD_FIELDS = [
  'v', 'event', 'ts', 'rid', 'attempt', 'lane', 'upstream', 'model', 'upstream_model', 'decision', 'reason', 'path', 'op',
  'status', 'err_type', 'error', 'latency_ms', 'ttfb_ms', 'ttft_ms', 'stream_ms', 'input_tokens', 'output_tokens',
  'cache_creation_input_tokens', 'cache_read_input_tokens', 'stop_reason', 'sse_events', 'req_bytes', 'resp_bytes', 'h2',
  'header_mode', 'retry', 'fallback_from', 'paused', 'request_id', 'thinking_removed',
] as const satisfies readonly (keyof UsageRecord)[];
// Compile-time: the list above names every field of UsageRecord.
const allFieldsListed: Exclude<keyof UsageRecord, (typeof USAGE_RECORD_FIELDS)[number]> extends never ? true : false = true;
void allFieldsListed;

/** One line. JSON.stringify already leaves out undefined fields, so "absent" means unknown. */
export function serializeRecord(rec: UsageRecord): string {
  return JSON.stringify(rec) + '\n';
}

/**
 * Appends lines synchronously: each line is in the kernel before the caller goes on, so a decision
 * line is on disk before the upstream is dialled and a SIGKILL cannot hide an in-flight request.
 * A ~300-byte write costs microseconds, far below one upstream round trip. Rotates by size:
 * usage.jsonl → usage.jsonl.1 → … → usage.jsonl.KEEP, the oldest dropped.
 */
export class UsageLog {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly rotation: { maxBytes: number; keep: number } = { maxBytes: 0, keep: 1 },
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.open();
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o600);
    chmodSync(this.path, 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const { keep } = this.rotation;
    rmSync(`${this.path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.open();
  }

  write(rec: UsageRecord): void {
    if (this.fd === undefined) return;
    const line = serializeRecord(rec);
    const bytes = Buffer.byteLength(line);
    if (this.rotation.maxBytes > 0 && this.size > 0 && this.size + bytes > this.rotation.maxBytes) this.rotate();
    writeSync(this.fd!, line);
    this.size += bytes;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

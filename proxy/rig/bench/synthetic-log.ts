// The readers' benchmark input: a realistic usage log of any length.
import { closeSync, openSync, writeSync } from 'node:fs';
import { serializeRecord, type UsageRecord } from '../../common/log-schema.js';

/** A realistic mixed log, written by the real serializer in the router's field order: decision +
 * completion pairs, both lanes, streams and JSON, a few errors. */
export function writeSyntheticLog(file: string, lines: number): void {
  const fd = openSync(file, 'w');
  const t0 = 1_795_000_000;
  let chunk = '';
  for (let i = 0; i < lines / 2; i++) {
    const haiku = i % 3 !== 0;
    const decision: UsageRecord = {
      v: 1,
      event: 'decision',
      ts: t0 + i * 0.5,
      rid: (i + 0x10000000).toString(16),
      attempt: 1,
      lane: haiku ? 'zai' : 'anthropic',
      upstream: haiku ? 'api.z.ai' : 'api.anthropic.com',
      model: haiku ? 'claude-haiku-4-5-20251001' : 'claude-sonnet-4-5-20250929',
      decision: haiku ? 'forced_model' : 'pass_through',
      reason: haiku ? 'haiku model → zai lane' : 'claude-sonnet-4-5-20250929 → anthropic lane',
      path: '/v1/messages',
      op: i % 5 ? 'stream' : 'nonstream',
      req_bytes: 4000 + (i % 997),
      h2: i % 7 === 0,
      ...(haiku ? { header_mode: 'x-api-key' as const } : {}),
      paused: false,
    };
    const failed = i % 101 === 0;
    chunk += serializeRecord(decision);
    chunk += serializeRecord({
      ...decision,
      event: 'complete',
      ts: decision.ts + 0.3,
      status: failed ? 529 : 200,
      ...(failed ? { err_type: '5xx' as const } : {}),
      latency_ms: 300 + (i % 1700),
      ttfb_ms: 20 + (i % 90),
      ttft_ms: 120 + (i % 800),
      stream_ms: 200 + (i % 1500),
      sse_events: 10 + (i % 40),
      input_tokens: 1000 + (i % 5000),
      output_tokens: 20 + (i % 900),
      cache_creation_input_tokens: i % 50,
      cache_read_input_tokens: i % 20000,
      stop_reason: 'end_turn',
      resp_bytes: 2000 + (i % 9000),
      request_id: `req_${(i * 7919).toString(36)}`,
    });
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

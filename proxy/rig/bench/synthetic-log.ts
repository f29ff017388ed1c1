// The readers' benchmark input: a realistic usage log of any length.
import { closeSync, openSync, writeSync } from 'node:fs';
import { serializeRecord, type UsageRecord } from '../../common/log-schema.js';

/**
 * A realistic mixed log, written by the real serializer in the router's field order (usage-record.ts):
 * decision + completion pairs, both lanes, streams and JSON, the labels Claude Code sends (session,
 * request class, its request id, and a subagent's id and type on a third of the requests), the model
 * Z.AI served, a few errors. Lines average ~480 bytes, as a real log of Claude Code 2.1.33x does.
 */
export function writeSyntheticLog(file: string, lines: number): void {
  const fd = openSync(file, 'w');
  const t0 = 1_795_000_000;
  let chunk = '';
  for (let i = 0; i < lines / 2; i++) {
    const haiku = i % 3 !== 0;
    const subagent = i % 3 === 1;
    const session = `${((Math.floor(i / 400) * 2654435761) >>> 0).toString(16).padStart(8, '0')}-6c1e-4f0a-9d3b-2a7e81c4b${(i % 7).toString().padStart(3, '0')}`;
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
      req_bytes: 4000 + ((i * 7919) % 180_000),
      h2: i % 7 === 0,
      ...(haiku ? { header_mode: 'x-api-key' as const } : {}),
      paused: false,
      session,
      request_class: subagent ? 'agent' : 'main',
      ...(subagent ? { agent_id: `a${(i % 97).toString(16)}f3c9e2`, agent_type: 'general-purpose' } : {}),
    };
    const failed = i % 101 === 0;
    chunk += serializeRecord(decision);
    chunk += serializeRecord({
      ...decision,
      event: 'complete',
      ts: decision.ts + 0.3,
      status: failed ? 529 : 200,
      ...(failed ? { err_type: '5xx' as const } : {}),
      latency_ms: 300 + ((i * 37) % 17_000) / 10,
      ttfb_ms: 20 + ((i * 13) % 900) / 10,
      ...(i % 5
        ? {
            sse_events: 10 + (i % 40),
            ttft_ms: 120 + ((i * 29) % 8000) / 10,
            stream_ms: 200 + ((i * 31) % 15_000) / 10,
          }
        : {}),
      input_tokens: 1000 + (i % 5000),
      output_tokens: 20 + (i % 900),
      cache_creation_input_tokens: i % 50,
      cache_read_input_tokens: i % 20000,
      stop_reason: i % 4 ? 'end_turn' : 'tool_use',
      ...(haiku ? { served_model: 'glm-4.5-air' } : {}),
      resp_bytes: 2000 + (i % 9000),
      request_id: haiku
        ? `20261207${(i * 7919).toString(16).padStart(12, '0')}`
        : `req_011C${(i * 7919).toString(36).padStart(18, 'x')}`,
    });
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

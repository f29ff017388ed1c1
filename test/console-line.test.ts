// The mitm console: one readable line per request, written in batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatRequestLine } from '../proxy/serve/observe/console-line.js';
import { LineBatcher } from '../proxy/serve/observe/line-batcher.js';
import { colorsEnabled, makeColors } from '../proxy/common/colors.js';
import type { UsageRecord } from '../proxy/common/log-schema.js';

const record: UsageRecord = {
  v: 1,
  event: 'complete',
  ts: 1796398922.831,
  rid: 'c7df20da',
  attempt: 1,
  lane: 'zai',
  model: 'claude-haiku-4-5',
  decision: 'forced_model',
  reason: 'haiku model → zai lane',
  path: '/v1/messages',
  op: 'stream',
  h2: false,
  status: 200,
  latency_ms: 12_345,
  ttft_ms: 93.9,
  input_tokens: 1_234_567,
  output_tokens: 17,
  cache_read_input_tokens: 1000,
};

test('a request line: model → lane, status, ttft, latency, tokens with thousands separators, decision and rid', () => {
  const line = formatRequestLine(record);
  assert.match(
    line,
    /^\d\d:\d\d:\d\d claude-haiku-4-5 → zai 200 ttft 94ms 12\.3s in 1,234,567 out 17 cache 1,000 \[forced_model: haiku model → zai lane\] c7df20da$/,
  );
  assert.match(
    formatRequestLine({ ...record, input_tokens: 999, output_tokens: 1000, cache_read_input_tokens: 0 }),
    ' in 999 out 1,000 [',
  );
  assert.match(
    formatRequestLine({ ...record, status: 0, err_type: 'net', attempt: 2 }),
    '→ zai 0 net ttft 94ms 12.3s in 1,234,567 out 17 cache 1,000 attempt 2 [',
  );
  // The GLM model that really answered, next to the one asked for (the answer's own model first).
  assert.match(
    formatRequestLine({ ...record, upstream_model: 'glm-4.5-air' }),
    /^\S+ claude-haiku-4-5 \(as glm-4\.5-air\) → zai 200 /,
  );
  assert.match(
    formatRequestLine({ ...record, upstream_model: 'glm-5.2', served_model: 'glm-5.3' }),
    /^\S+ claude-haiku-4-5 \(as glm-5\.3\) → zai 200 /,
  );
  assert.match(
    formatRequestLine({ ...record, lane: 'anthropic', served_model: 'claude-haiku-4-5-20251001' }),
    /^\S+ claude-haiku-4-5 → anthropic /,
  );
});

test('what the proxy did to a request is on its line: replaced, redialled, fields dropped, cooldown, thinking off, its own answer', () => {
  assert.match(
    formatRequestLine({ ...record, status: 429, err_type: '429', final: false, zai_failure: 'rate' }),
    ' replaced (rate) [',
  );
  assert.match(
    formatRequestLine({ ...record, redial: true, zai_dropped_fields: ['context_management', 'diagnostics'] }),
    ' redialled dropped context_management,diagnostics [',
  );
  assert.match(
    formatRequestLine({
      ...record,
      lane: 'anthropic',
      decision: 'cooldown',
      cooldown_reason: 'auth',
      thinking_disabled: true,
    }),
    ' cooldown auth thinking off [cooldown:',
  );
  assert.match(formatRequestLine({ ...record, status: 401, final: true, proxy_status: 502 }), ' proxy answered 502 [');
});

test('lines pushed in one turn of the event loop go out in one write, at the end of that turn; flush never writes nothing', async () => {
  const writes: string[] = [];
  const batch = new LineBatcher((t) => writes.push(t));
  batch.push('one');
  batch.push('two');
  assert.equal(writes, []);
  await new Promise((r) => setImmediate(r));
  assert.equal(writes, ['one\ntwo\n']);
  batch.push('three');
  batch.flush();
  assert.equal(writes, ['one\ntwo\n', 'three\n']);
  batch.flush();
  await new Promise((r) => setTimeout(r, 20));
  assert.is(writes.length, 2);
});

test('colours: forced by FORCE_COLOR, off with NO_COLOR, TERM=dumb or no terminal', () => {
  assert.is(colorsEnabled({}, true), true);
  assert.is(colorsEnabled({}, false), false);
  assert.is(colorsEnabled({ NO_COLOR: '1' }, true), false);
  assert.is(colorsEnabled({ TERM: 'dumb' }, true), false);
  assert.is(colorsEnabled({ FORCE_COLOR: '1' }, false), true);
  assert.is(colorsEnabled({ FORCE_COLOR: '0' }, true), false);
  assert.is(makeColors(true).red('x'), '\u001b[31mx\u001b[39m');
  assert.is(makeColors(false).red('x'), 'x');
});

test.run();

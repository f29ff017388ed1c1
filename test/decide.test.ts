import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isHaikuModel } from '../proxy/common/models.js';
import { decide, type DecideInput } from '../proxy/serve/lane/decide.js';
import { mapModel } from '../proxy/serve/upstream/lanes.js';

const base: DecideInput = {
  method: 'POST',
  path: '/v1/messages',
  model: 'claude-haiku-4-5-20251001',
  offload: { haiku: true, subagents: false, atPct: 0 },
  paused: false,
  hasZaiKey: true,
  fallback: true,
  zaiCoolingDown: false,
};

test('haiku ids of every generation match by substring, case-insensitively', () => {
  for (const id of [
    'claude-haiku-4-5-20251001',
    'claude-haiku-5-5',
    'claude-3-5-haiku-latest',
    'Claude-HAIKU-4-5',
    'haiku',
  ]) {
    assert.ok(isHaikuModel(id), id);
  }
  for (const id of [
    'claude-sonnet-4-5',
    'claude-opus-4-1',
    'claude-sonnet-haiku-hybrid',
    'opus-haiku',
    'glm-4.5-air',
    '',
    undefined,
  ]) {
    assert.not.ok(isHaikuModel(id), String(id));
  }
});

test('the routing table of docs/CONTRACT.md §1, row by row', () => {
  assert.equal(decide(base), { lane: 'zai', decision: 'forced_model', reason: 'haiku model → zai lane' });
  assert.is(decide({ ...base, paused: true }).decision, 'failover_paused');
  assert.is(decide({ ...base, paused: true }).lane, 'anthropic');
  assert.is(decide({ ...base, offload: { haiku: false, subagents: false, atPct: 0 } }).decision, 'offload_off');
  assert.is(decide({ ...base, hasZaiKey: false }).decision, 'no_zai_key');
  assert.is(decide({ ...base, zaiCoolingDown: true }).decision, 'cooldown');
  assert.is(decide({ ...base, zaiCoolingDown: true }).lane, 'anthropic');
  // CCP_FALLBACK=0: a cooldown never moves Haiku to Anthropic; the proxy answers on the Z.AI lane's behalf.
  assert.equal(decide({ ...base, zaiCoolingDown: true, fallback: false, zaiCooldownReason: 'auth' }), {
    lane: 'zai',
    decision: 'cooldown',
    reason: 'haiku, z.ai lane cooling down (auth), CCP_FALLBACK=0 → error from the proxy, not anthropic',
  });
  const sonnet = decide({ ...base, model: 'claude-sonnet-4-5' });
  assert.equal([sonnet.lane, sonnet.decision], ['anthropic', 'pass_through']);
});

test('only POST /v1/messages can leave the anthropic lane', () => {
  for (const [method, path] of [
    ['POST', '/v1/messages/count_tokens'],
    ['GET', '/v1/messages'],
    ['GET', '/v1/models'],
    ['POST', '/api/claude_code/metrics'],
    ['HEAD', '/'],
  ] as const) {
    const d = decide({ ...base, method, path });
    assert.equal([d.lane, d.decision], ['anthropic', 'pass_through'], `${method} ${path}`);
  }
});

test('a body without a model stays on anthropic and says why', () => {
  const d = decide({ ...base, model: undefined });
  assert.equal([d.lane, d.decision], ['anthropic', 'pass_through']);
  assert.match(d.reason, /no model/);
});

test('paused wins over every other reason, so a pause is always visible as a pause', () => {
  assert.is(
    decide({ ...base, paused: true, hasZaiKey: false, offload: { haiku: false, subagents: false, atPct: 0 } }).decision,
    'failover_paused',
  );
});

test('model map: first matching substring entry, else none', () => {
  const map = [
    { match: 'haiku-4-5', target: 'glm-4.5-air' },
    { match: 'haiku', target: 'glm-4.5-flash' },
  ];
  assert.is(mapModel('claude-haiku-4-5-20251001', map), 'glm-4.5-air');
  assert.is(mapModel('Claude-3-5-HAIKU-latest', map), 'glm-4.5-flash');
  assert.is(mapModel('claude-sonnet-4-5', map), undefined);
  assert.is(mapModel('claude-haiku-4-5', []), undefined);
});

test.run();

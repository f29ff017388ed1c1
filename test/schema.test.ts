// docs/METRICS-SCHEMA.md against what the writer really emits, over varied real traffic.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../proxy/common/config.js';
import { startRig } from '../proxy/rig/rig.js';
import { RUN_RECORD_FIELDS, USAGE_RECORD_FIELDS } from '../proxy/common/log-schema.js';
import { logLines, message, postMessages, proxyAgent, within, withRig } from './helpers.js';

function documentedFields(): Map<string, string> {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'METRICS-SCHEMA.md'), 'utf8');
  const fields = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([a-z_0-9]+)` \| (both|complete|decision) \|/gm)) fields.set(m[1]!, m[2]!);
  return fields;
}

test('the run line: documented field for field, and the one a real proxy writes first carries exactly those', async () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'METRICS-SCHEMA.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([a-z_0-9]+)` \| run \|/gm)].map((m) => m[1]!);
  assert.equal([...documented].sort(), [...RUN_RECORD_FIELDS].sort());
  await withRig({ env: { ZAI_MODEL_MAP: 'haiku=glm-4.5-air', ENABLE_BODY_TEE: '1' } }, async (rig) => {
    const [first] = readFileSync(rig.proxy.logPath, 'utf8').split('\n');
    const run = JSON.parse(first!) as Record<string, unknown>;
    assert.equal(Object.keys(run).sort(), [...RUN_RECORD_FIELDS].sort());
    assert.equal(
      [run.event, run.pid, run.port, run.zai_host, run.anth_host, run.zai_model_map, run.body_tee, run.zai_key_set],
      [
        'run',
        process.pid,
        rig.proxy.port,
        new URL(rig.env.ZAI_BASE_URL!).host,
        new URL(rig.env.ANTH_BASE_URL!).host,
        'haiku=glm-4.5-air',
        true,
        true,
      ],
    );
    assert.not.match(first!, rig.env.ZAI_API_KEY!);
  });
});

test('every documented field is one the writer knows, and the writer knows no undocumented field', () => {
  const doc = documentedFields();
  assert.equal([...doc.keys()].sort(), [...USAGE_RECORD_FIELDS].sort());
});

test('every field emitted by real traffic is documented, on the line kind the document says', async () => {
  // Anthropic splits cache writes by lifetime (usage.cache_creation), as the real API does.
  const rig = await startRig({
    env: { ZAI_MODEL_MAP: 'haiku=glm-4.5-air' },
    anthropic: { usage: { cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 2 } } },
  });
  const agent = proxyAgent(rig);
  let lines: ReturnType<typeof logLines> = [];
  try {
    await within(10_000, postMessages(agent, message('claude-haiku-4-5', true)));
    const labels = {
      'x-claude-code-session-id': 'c0ffee00-1111-4222-8333-944445555666',
      'x-claude-code-request-class': 'main',
      'x-client-request-id': 'r-0001',
    };
    await within(10_000, postMessages(agent, message('claude-sonnet-4-5', false), { headers: labels }));
    // A nested subagent's request, labelled as Claude Code 2.1.332 labels them.
    const subagent = {
      ...labels,
      'x-claude-code-request-class': 'subagent',
      'x-client-request-id': 'r-0002',
      'x-claude-code-agent-id': 'a1b2c3d4e5f6a7b8c',
      'x-claude-code-parent-agent-id': '0f1e2d3c4b5a69788',
      'x-claude-code-agent-type': 'Explore',
    };
    await within(10_000, postMessages(agent, message('claude-sonnet-4-5', false), { headers: subagent }));
    await within(
      10_000,
      postMessages(agent, message('claude-haiku-4-5', false), { path: '/v1/messages/count_tokens' }),
    );
    rig.config.maxBodyBytes = 100;
    await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
    rig.config.maxBodyBytes = 64 << 20;
    await rig.zai.stop(); // refused: falls back to anthropic (fallback_from), the z.ai attempt logs err_type net
    const fellBack = await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
    assert.is(fellBack.status, 200);
    // The network cooldown that started keeps the next haiku request on anthropic (cooldown_reason).
    assert.is((await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).status, 200);
    rig.config.fallback = false; // now the proxy itself answers an Anthropic-shaped 502 (the network cooldown's)
    const refused = await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
    assert.is(refused.status, 502);
    assert.is(JSON.parse(refused.text).error.type, 'api_error');
    lines = logLines(rig);
  } finally {
    await agent.close();
    await rig.stop();
  }
  const doc = documentedFields();
  const seen = new Set<string>();
  for (const line of lines) {
    for (const k of Object.keys(line)) {
      seen.add(k);
      assert.ok(doc.has(k), `emitted field ${k} is not documented`);
      const where = doc.get(k);
      if (where !== 'both') assert.is(line.event, where, `${k} appears on a ${line.event} line`);
    }
  }
  // The traffic above exercises nearly every field; the others are proven in reliability.test.ts and
  // zai-contract.test.ts.
  // (redial shows here only when stopping the z.ai fake left a dead pooled socket behind.)
  const unseen = [...doc.keys()].filter((k) => !seen.has(k) && k !== 'redial').sort();
  assert.equal(unseen, ['retry', 'thinking_disabled', 'thinking_removed', 'zai_dropped_fields']);
  // The subagent's labels, exactly as they crossed the wire, on both of its lines.
  const sub = lines.filter((l) => l.client_request_id === 'r-0002');
  assert.equal(
    sub.map((l) => [l.event, l.request_class, l.agent_id, l.parent_agent_id, l.agent_type]),
    [
      ['decision', 'subagent', 'a1b2c3d4e5f6a7b8c', '0f1e2d3c4b5a69788', 'Explore'],
      ['complete', 'subagent', 'a1b2c3d4e5f6a7b8c', '0f1e2d3c4b5a69788', 'Explore'],
    ],
  );
  assert.not.ok(
    lines.some((l) => l.client_request_id === 'r-0001' && l.agent_id !== undefined),
    'the main thread has none',
  );
  const net = lines.find((l) => l.err_type === 'net')!;
  assert.equal([net.status, net.lane], [0, 'zai']);
  assert.match(net.error ?? '', 'unreachable');
});

test.run();

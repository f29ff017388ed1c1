// Claude Code's probes of the Anthropic account stay first-party: the subscription quota probe (and the
// API-key check and model validation) reach Anthropic whatever their model, and the subscription's
// windows from the answer reach the client unchanged and show in status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProxyAgent, fetch } from 'undici';
import { readFileSync } from 'node:fs';
import { accountProbeKind } from '../proxy/serve/lane/account-probe.js';
import { decide } from '../proxy/serve/lane/decide.js';
import { parseSubscriptionStatus, unifiedHeaders } from '../proxy/serve/upstream/subscription-limits.js';
import { startRig, unifiedRateLimitHeaders } from '../proxy/rig/rig.js';
import { announceRig, completions, eventually, message, npmRun, postMessages, proxyAgent, within } from './helpers.js';

const OAUTH = 'sk-ant-oat01-probe-subscription-token-abcdef0123';
const SESSION = '4a1c2d3e-5f60-4718-8293-a4b5c6d7e8f9';

/**
 * The quota probe as Claude Code 2.1.332 builds it (docs/ZAI.md, "Account probes"): Haiku 4.5,
 * max_tokens 1, one user message "quota", the metadata of every call, sent as a subscription request
 * with the request class `auxiliary`.
 */
const PROBE_BODY = JSON.stringify({
  model: 'claude-haiku-4-5-20251001',
  max_tokens: 1,
  messages: [{ role: 'user', content: 'quota' }],
  metadata: { user_id: JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: '', session_id: SESSION }) },
});
const PROBE_HEADERS = {
  authorization: `Bearer ${OAUTH}`,
  'anthropic-beta': 'claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14',
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
  'user-agent': 'claude-cli/2.1.332 (external, cli)',
  'x-app': 'cli',
  'x-claude-code-session-id': SESSION,
  'x-claude-code-request-class': 'auxiliary',
  'x-claude-1p-request-class': 'summary-extraction',
  'x-client-request-id': '0f1e2d3c-4b5a-4968-8776-655443322110',
  'x-stainless-lang': 'js',
  'x-stainless-retry-count': '0',
};

test('the probe shapes of Claude Code 2.1.332, and what is not one', () => {
  assert.is(accountProbeKind(JSON.parse(PROBE_BODY)), 'quota');
  assert.is(
    accountProbeKind({ model: 'h', max_tokens: 1, messages: [{ role: 'user', content: 'test' }], temperature: 1 }),
    'api_key_check',
  );
  assert.is(
    accountProbeKind({
      model: 'h',
      max_tokens: 1,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }] }],
    }),
    'model_validation',
  );
  assert.is(
    accountProbeKind({
      model: 'h',
      max_tokens: 1,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'quota' }] }],
    }),
    'quota',
  );
  for (const notProbe of [
    { max_tokens: 2, messages: [{ role: 'user', content: 'quota' }] },
    {
      max_tokens: 1,
      messages: [
        { role: 'user', content: 'quota' },
        { role: 'assistant', content: 'x' },
      ],
    },
    { max_tokens: 1, messages: [{ role: 'user', content: 'summarise this file' }] },
    { max_tokens: 1, messages: [{ role: 'assistant', content: 'quota' }] },
    {
      max_tokens: 1,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'quota' },
            { type: 'text', text: 'more' },
          ],
        },
      ],
    },
    { max_tokens: 1, messages: [{ role: 'user', content: 'constructor' }] },
    { max_tokens: 1 },
  ]) {
    assert.is(accountProbeKind(notProbe as Record<string, unknown>), undefined, JSON.stringify(notProbe));
  }
  const base = {
    method: 'POST',
    path: '/v1/messages',
    model: 'claude-haiku-4-5',
    offload: { haiku: true, subagents: false, atPct: 0 },
    paused: false,
    hasZaiKey: true,
    zaiCoolingDown: false,
    fallback: true,
  } as const;
  assert.equal(decide({ ...base, accountProbe: 'quota' }), {
    lane: 'anthropic',
    decision: 'account_probe',
    reason: 'haiku subscription quota probe → anthropic lane (it asks about the Anthropic account)',
  });
  assert.is(
    decide({ ...base, accountProbe: 'quota', paused: true }).decision,
    'account_probe',
    'its own reason, whatever else holds',
  );
});

test('the subscription windows from the unified headers, computed by hand', () => {
  const raw = [
    'Anthropic-Ratelimit-Unified-Status',
    'allowed_warning',
    'anthropic-ratelimit-unified-5h-utilization',
    '0.91',
    'anthropic-ratelimit-unified-5h-reset',
    '1796400000',
    'anthropic-ratelimit-unified-5h-status',
    'allowed_warning',
    'anthropic-ratelimit-unified-7d-utilization',
    '0.3',
    'anthropic-ratelimit-unified-representative-claim',
    'five_hour',
    'content-type',
    'text/event-stream',
  ];
  const h = unifiedHeaders(raw)!;
  assert.equal(Object.keys(h).sort(), [
    'anthropic-ratelimit-unified-5h-reset',
    'anthropic-ratelimit-unified-5h-status',
    'anthropic-ratelimit-unified-5h-utilization',
    'anthropic-ratelimit-unified-7d-utilization',
    'anthropic-ratelimit-unified-representative-claim',
    'anthropic-ratelimit-unified-status',
  ]);
  assert.equal(parseSubscriptionStatus(h, new Date(Date.UTC(2026, 11, 5, 12, 0, 0))), {
    seen_at: '2026-12-05T12:00:00.000Z',
    status: 'allowed_warning',
    representative_claim: 'five_hour',
    windows: [
      // 1796400000 s = 2026-12-04T16:00:00Z
      { name: '5h', utilization: 0.91, resets_at: '2026-12-04T16:00:00.000Z', status: 'allowed_warning' },
      { name: '7d', utilization: 0.3 },
    ],
  });
  assert.is(unifiedHeaders(['content-type', 'application/json']), undefined);
});

test('the exact probe, through the proxy with a Z.AI key and offload on: Anthropic answers it, its windows reach the client, Z.AI sees nothing', async () => {
  const rig = await startRig();
  try {
    const agent = proxyAgent(rig);
    const sent = unifiedRateLimitHeaders();
    rig.anthropic.opts.unifiedRateLimit = sent;
    const r = await within(
      10_000,
      fetch('https://api.anthropic.com/v1/messages?beta=true', {
        dispatcher: agent,
        method: 'POST',
        headers: PROBE_HEADERS,
        body: PROBE_BODY,
      }),
    );
    await r.text();
    assert.is(r.status, 200);
    for (const [name, value] of Object.entries(sent)) assert.is(r.headers.get(name), value, name);
    assert.is(rig.zai.requests.length, 0, 'the z.ai fake saw nothing');
    assert.is(rig.anthropic.requests.length, 1);
    const got = rig.anthropic.requests[0]!;
    assert.ok(got.body.equals(Buffer.from(PROBE_BODY)), 'the probe reached Anthropic byte for byte');
    assert.is(got.headers.authorization, `Bearer ${OAUTH}`);
    await eventually(() => completions(rig).length >= 1);
    const [c] = completions(rig);
    assert.equal(
      [c!.lane, c!.decision, c!.model, c!.final],
      ['anthropic', 'account_probe', 'claude-haiku-4-5-20251001', true],
    );
    assert.match(c!.reason ?? '', 'subscription quota probe');

    // An ordinary Haiku request in the same run still goes to Z.AI.
    const ordinary = await within(
      10_000,
      postMessages(agent, message('claude-haiku-4-5-20251001', false), {
        headers: { authorization: `Bearer ${OAUTH}`, 'x-api-key': '' },
      }),
    );
    assert.is(ordinary.status, 200);
    assert.is(rig.zai.requests.length, 1);
    await agent.close();

    // status shows the windows the probe's answer carried.
    announceRig(rig);
    const j = JSON.parse(String((await npmRun('status', ['--json'], { CCP_LOGS_DIR: rig.config.logsDir })).stdout)) as {
      subscription: { status: string; windows: { name: string; utilization: number; resets_at: string }[] };
    };
    assert.is(j.subscription.status, 'allowed');
    const five = j.subscription.windows.find((w) => w.name === '5h')!;
    assert.equal(
      [five.utilization, five.resets_at],
      [0.42, new Date(Number(sent['anthropic-ratelimit-unified-5h-reset']) * 1000).toISOString()],
    );
    const text = String((await npmRun('status', [], { CCP_LOGS_DIR: rig.config.logsDir })).stdout);
    assert.match(text, /subscription allowed, limited by five_hour; 5h 42% resets .*; 7d 17% resets/);
  } finally {
    await rig.stop();
  }
});

test('an API-key request on the Anthropic lane carries no unified headers: status says so, it invents nothing', async () => {
  const rig = await startRig();
  try {
    const agent = new ProxyAgent({
      uri: rig.proxyUrl,
      requestTls: { ca: [readFileSync(rig.proxy.ca.certPath, 'utf8')] },
    });
    await within(10_000, postMessages(agent, message('claude-sonnet-4-5', false)));
    await agent.close();
    const s = (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as { subscription: unknown };
    assert.is(s.subscription, null);
  } finally {
    await rig.stop();
  }
});

test.run();

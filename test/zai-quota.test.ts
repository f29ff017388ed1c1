// The Z.AI plan's quota, read before it bites: the answer as Z.AI gives it, the stop rule, and the live
// proxy against the simulated Z.AI, whose plan refuses requests (1308) once a window is used up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProxyStatus } from '../proxy/common/proxy-status.js';
import { startRig, FAKE_ZAI_KEY, type Rig } from '../proxy/rig/rig.js';
import { quotaLine } from '../proxy/ops/status-format.js';
import { parseQuotaAnswer, quotaStop, windowName } from '../proxy/serve/lane/zai-quota.js';
import { completions, eventually, message, postMessages, proxyAgent, within } from './helpers.js';

/** An answer of open.bigmodel.cn's quota endpoint as recorded on 2026-02-14 (github.com/jukanntenn/glm-plan-usage, docs/api-research.md). */
const RECORDED = JSON.stringify({
  code: 200,
  msg: '操作成功',
  data: {
    limits: [
      {
        type: 'TIME_LIMIT',
        unit: 5,
        number: 1,
        usage: 100,
        currentValue: 28,
        remaining: 72,
        percentage: 28,
        nextResetTime: 1772615765983,
        usageDetails: [{ modelCode: 'search-prime', usage: 67 }],
      },
      { type: 'TOKENS_LIMIT', unit: 3, number: 5, percentage: 1, nextResetTime: 1771073738808 },
    ],
    level: 'lite',
  },
  success: true,
});
const RECORDED_AT = 1771070000000;

test('the recorded answer: windows, their use and reset, the plan level', () => {
  const q = parseQuotaAnswer(200, RECORDED, RECORDED_AT);
  assert.type(q, 'object');
  assert.equal(q, {
    read_at: new Date(RECORDED_AT).toISOString(),
    level: 'lite',
    windows: [
      {
        name: 'tools month',
        type: 'TIME_LIMIT',
        used_pct: 28,
        allowance: 100,
        used: 28,
        resets_at: new Date(1772615765983).toISOString(),
      },
      { name: 'tokens 5h', type: 'TOKENS_LIMIT', used_pct: 1, resets_at: new Date(1771073738808).toISOString() },
    ],
  });
  assert.is(windowName('TOKENS_LIMIT', 6, 1), 'tokens week');
  assert.is(windowName('TOKENS_LIMIT', 9, 2), 'tokens (unit 9, 2)');
});

test('what is not a quota answer is a reason, never a quota', () => {
  assert.is(parseQuotaAnswer(401, '{"code":401,"msg":"token expired or incorrect","success":false}', 0), 'HTTP 401');
  assert.is(parseQuotaAnswer(200, '<html>', 0), 'the answer is not JSON');
  assert.is(
    parseQuotaAnswer(200, '{"code":1001,"msg":"Authorization Failure","success":false}', 0),
    'refused: Authorization Failure',
  );
  assert.is(parseQuotaAnswer(200, '{"code":200,"success":true,"data":{}}', 0), 'no data.limits in the answer');
  assert.is(
    parseQuotaAnswer(200, '{"code":200,"success":true,"data":{"limits":[{"type":"TOKENS_LIMIT"}]}}', 0),
    'no readable window in data.limits',
  );
});

test('the stop rule: token windows at or over the threshold, until the last of them resets', () => {
  const now = 1_800_000_000_000;
  const q = (windows: { type: string; used_pct: number; resets_at?: string; name?: string }[]) => ({
    read_at: '',
    windows: windows.map((w, i) => ({ name: w.name ?? `w${i}`, ...w })),
  });
  const in1h = new Date(now + 3600_000).toISOString();
  const in3d = new Date(now + 3 * 86_400_000).toISOString();
  assert.is(quotaStop(q([{ type: 'TOKENS_LIMIT', used_pct: 97.9, resets_at: in1h }]), 98, 300, now), undefined);
  const stop = quotaStop(
    q([{ type: 'TOKENS_LIMIT', used_pct: 98, resets_at: in1h, name: 'tokens 5h' }]),
    98,
    300,
    now,
  )!;
  assert.equal([stop.reason, stop.untilMs], ['quota', now + 3600_000]);
  assert.match(stop.why, 'tokens 5h 98%');
  assert.is(
    quotaStop(q([{ type: 'TIME_LIMIT', used_pct: 100, resets_at: in1h }]), 98, 300, now),
    undefined,
    'tool calls never stop Haiku',
  );
  assert.is(
    quotaStop(
      q([
        { type: 'TOKENS_LIMIT', used_pct: 100, resets_at: in1h },
        { type: 'TOKENS_LIMIT', used_pct: 99, resets_at: in3d },
      ]),
      98,
      300,
      now,
    )!.untilMs,
    now + 3 * 86_400_000,
  );
  assert.is(
    quotaStop(q([{ type: 'TOKENS_LIMIT', used_pct: 100 }]), 98, 300, now)!.untilMs,
    now + 300_000,
    'no reset time: the short cooldown, then read again',
  );
  assert.is(
    quotaStop(q([{ type: 'TOKENS_LIMIT', used_pct: 100, resets_at: in1h }]), 0, 300, now),
    undefined,
    'CCP_ZAI_QUOTA_STOP_PCT=0 never stops',
  );
});

// A credit plan's answer as recorded live (steipete/CodexBar #2724, 2026-08-06; the same shape in
// opgginc/opencode-bar #150 and robinebers/openusage #1105): CREDIT_LIMIT windows with the allowance in
// `usage`, credits used in `currentValue`, a whole-number `percentage`.
const CREDIT_RECORDED = JSON.stringify({
  code: 200,
  msg: 'Operation successful',
  data: {
    limits: [
      {
        type: 'CREDIT_LIMIT',
        unit: 3,
        number: 5,
        usage: 2000,
        currentValue: 71,
        remaining: 1929,
        percentage: 3,
        nextResetTime: 1786073946574,
      },
      {
        type: 'CREDIT_LIMIT',
        unit: 6,
        number: 1,
        usage: 10000,
        currentValue: 71,
        remaining: 9929,
        percentage: 1,
        nextResetTime: 1786600000000,
      },
    ],
    level: 'lite',
  },
  success: true,
});

test('a credit plan (CREDIT_LIMIT): each window with credits used of the allowance; the stop rule applies to it', () => {
  const now = 1786060000000;
  const q = parseQuotaAnswer(200, CREDIT_RECORDED, now);
  assert.ok(typeof q !== 'string', String(q));
  if (typeof q === 'string') return;
  // 71 of 2,000 = 3.55 %, of 10,000 = 0.71 %: the exact share, not the rounded percentage.
  assert.equal(q.windows, [
    {
      name: 'credits 5h',
      type: 'CREDIT_LIMIT',
      used_pct: 3.6,
      allowance: 2000,
      used: 71,
      resets_at: new Date(1786073946574).toISOString(),
    },
    {
      name: 'credits week',
      type: 'CREDIT_LIMIT',
      used_pct: 0.7,
      allowance: 10000,
      used: 71,
      resets_at: new Date(1786600000000).toISOString(),
    },
  ]);
  assert.is(
    quotaLine({ zai_quota: q, zai_quota_stop_pct: 98, zai_key_set: true }),
    `plan lite: credits 5h 3.6% (71 of 2000 credits) resets ${new Date(1786073946574).toISOString()}; credits week 0.7% (71 of 10000 credits) resets ${new Date(1786600000000).toISOString()} (read ${new Date(now).toISOString()}; stops Haiku at 98%)`,
  );
  // 1,965 of 2,000 credits is 98.25 %: Z.AI would say 98, the stop rule reads 98.3 and stops.
  const full = parseQuotaAnswer(
    200,
    CREDIT_RECORDED.replace('"currentValue":71,"remaining":1929', '"currentValue":1965,"remaining":35'),
    now,
  );
  assert.ok(typeof full !== 'string');
  if (typeof full === 'string') return;
  const stop = quotaStop(full, 98, 300, now);
  assert.is(stop?.untilMs, 1786073946574);
  assert.match(stop?.why ?? '', 'credits 5h 98.3%');
});

async function status(rig: Rig): Promise<ProxyStatus> {
  const r = await fetch(`${rig.proxyUrl}/__ccp/status`);
  return (await r.json()) as ProxyStatus;
}

async function quotaRead(rig: Rig, pct: number): Promise<void> {
  let last = -1;
  await eventually(
    () => {
      void status(rig).then((s) => (last = s.zai_quota?.windows.find((w) => w.name === 'tokens 5h')?.used_pct ?? -1));
      return last === pct;
    },
    5000,
    `the proxy to read the 5-hour window at ${pct}%`,
  );
}

test('the quota stop sends Haiku to Anthropic before the simulated Z.AI would refuse it (1308)', async () => {
  const rig = await startRig({
    env: { CCP_ZAI_QUOTA_POLL_S: '0.001' },
    prepare: ({ zai }) => {
      zai.planUsage.fiveHour.percentage = 90;
      zai.planUsage.stepPct = 5;
    },
  });
  const alerts: string[] = [];
  rig.proxy.router.on('alert', (t) => alerts.push(t));
  const agent = proxyAgent(rig);
  try {
    await quotaRead(rig, 90); // read at start
    assert.match(
      (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
      'ok from zai-fake',
    );
    await quotaRead(rig, 95); // read after the Z.AI answer
    assert.match(
      (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
      'ok from zai-fake',
    );
    await quotaRead(rig, 100);
    const s = await status(rig);
    assert.is(s.zai_cooldown_reason, 'quota');
    assert.is(
      s.zai_cooldown_until,
      new Date(rig.zai.planUsage.fiveHour.nextResetTime).toISOString(),
      'until the window resets',
    );
    assert.match(alerts.join('\n'), 'Z.AI plan quota tokens 5h 100% used');
    assert.match(quotaLine(s), /^plan pro: tokens 5h 100% resets .*; tokens week 41% .*stops Haiku at 98%/);
    // Without the stop this one would get Z.AI's 1308 (the fake refuses once a window is at 100 %).
    const third = await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
    assert.is(third.status, 200);
    assert.match(third.text, 'ok from anthropic-fake');
    await eventually(() => completions(rig).length === 3, 3000, 'three completions');
    const last = completions(rig)[2]!;
    assert.equal([last.lane, last.decision, last.cooldown_reason], ['anthropic', 'cooldown', 'quota']);
    // What crossed the wire: two requests reached Z.AI and both were answered 200; none was refused.
    assert.is(rig.zai.requests.length, 2);
    assert.equal(
      rig.zai.responses.map((r) => r.status),
      [200, 200],
    );
    assert.is(rig.anthropic.requests.length, 1);
    // The quota read carries only the Z.AI key, bare, as Z.AI's own usage plugin sends it.
    const read = rig.zai.quotaReads[0]!;
    assert.is(read.headers.authorization, FAKE_ZAI_KEY);
    assert.is(read.headers['x-api-key'], undefined);
  } finally {
    await agent.close();
    await rig.stop();
  }
});

test('a credit plan at its stop percentage: Haiku leaves Z.AI before Z.AI refuses, with CCP_FALLBACK=0 an error naming Z.AI', async () => {
  for (const fallback of ['1', '0']) {
    const rig = await startRig({
      env: { CCP_ZAI_QUOTA_POLL_S: '0.001', CCP_FALLBACK: fallback },
      prepare: ({ zai }) => {
        zai.planUsage.kind = 'credits';
        zai.planUsage.fiveHour.percentage = 97;
        zai.planUsage.stepPct = 1.5;
      },
    });
    const agent = proxyAgent(rig);
    try {
      // 97 % of 2,000 = 1,940 credits read at start; one answer later 98.5 % = 1,970: over 98 %.
      await eventually(
        () => rig.proxy.zaiLane.quota?.windows.find((w) => w.name === 'credits 5h')?.used === 1940,
        5000,
        'the start read',
      );
      assert.is((await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).status, 200);
      await eventually(() => rig.proxy.zaiLane.cooldown()?.reason === 'quota', 5000, 'the quota stop');
      const s = await status(rig);
      assert.match(quotaLine(s), /^plan lite: credits 5h 98\.5% \(1970 of 2000 credits\) resets /);
      const next = await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
      if (fallback === '1') assert.match(next.text, 'ok from anthropic-fake');
      else {
        assert.is(next.status, 429);
        assert.match(next.text, 'the Z.AI lane is cooling down (quota: Z.AI plan quota credits 5h 98.5% used');
        assert.is(rig.anthropic.requests.length, 0, 'Anthropic never answers Haiku with CCP_FALLBACK=0');
      }
      // Z.AI answered one request and refused none.
      assert.equal(
        rig.zai.responses.map((r) => r.status),
        [200],
      );
    } finally {
      await agent.close();
      await rig.stop();
    }
  }
});

test('a quota read that fails is "quota unknown" and changes no routing; a key that needs Bearer is retried so', async () => {
  const rig = await startRig({
    env: { CCP_ZAI_QUOTA_POLL_S: '0.001' },
    prepare: ({ zai }) => (zai.quotaBehaviour = 'http500'),
  });
  const agent = proxyAgent(rig);
  try {
    await eventually(() => rig.proxy.zaiLane.quota?.error !== undefined, 5000, 'the failed read');
    assert.is(rig.proxy.zaiLane.quota!.error, 'HTTP 500');
    assert.match(quotaLine(await status(rig)), /^quota unknown since .* \(HTTP 500\); routing unchanged/);
    assert.match(
      (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
      'ok from zai-fake',
    );
    rig.zai.quotaBehaviour = 'garbage';
    await eventually(() => rig.proxy.zaiLane.quota?.error === 'the answer is not JSON', 5000, 'the garbage read');
    assert.match(
      (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
      'ok from zai-fake',
    );
    assert.is((await status(rig)).zai_cooldown_until, null);
    assert.equal(
      completions(rig).map((c) => c.decision),
      ['forced_model', 'forced_model'],
    );

    rig.zai.quotaBehaviour = 'bearer';
    const before = rig.zai.quotaReads.length;
    await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
    await eventually(
      () => rig.proxy.zaiLane.quota !== undefined && !rig.proxy.zaiLane.quota.error,
      5000,
      'a good read with Bearer',
    );
    const reads = rig.zai.quotaReads.slice(before).map((r) => r.headers.authorization);
    assert.equal(reads, [FAKE_ZAI_KEY, `Bearer ${FAKE_ZAI_KEY}`]);
    await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
    await eventually(() => rig.zai.quotaReads.length === before + 3, 5000, 'the next read');
    assert.is(
      rig.zai.quotaReads.at(-1)!.headers.authorization,
      `Bearer ${FAKE_ZAI_KEY}`,
      'the form that worked is kept',
    );
  } finally {
    await agent.close();
    await rig.stop();
  }
});

test('CCP_ZAI_QUOTA_POLL_S=0 never reads the quota', async () => {
  const rig = await startRig({ env: { CCP_ZAI_QUOTA_POLL_S: '0' } });
  const agent = proxyAgent(rig);
  try {
    await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
    await new Promise((r) => setTimeout(r, 300));
    assert.is(rig.zai.quotaReads.length, 0);
    assert.is((await status(rig)).zai_quota, null);
  } finally {
    await agent.close();
    await rig.stop();
  }
});

test.run();

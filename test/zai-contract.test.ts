// The Z.AI failure contract end to end: a real client through the proxy, the simulated Z.AI failing the
// ways the real one does (business codes, stalled bodies, a strict schema), and what each fake received.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetch } from 'undici';
import type { Rig } from '../proxy/rig/rig.js';
import type { UsageRecord } from '../proxy/common/log-schema.js';
import { summarizeLog } from '../proxy/read/reports.js';
import { completions, eventually, message, postMessages, proxyAgent, replyText, within, withRig } from './helpers.js';

async function send(rig: Rig, body: string | Record<string, unknown>) {
  const agent = proxyAgent(rig);
  try {
    return await within(15_000, postMessages(agent, body));
  } finally {
    await agent.close();
  }
}

/** Every completion line of the request that just finished (its last line is final). */
async function lines(rig: Rig, before: number): Promise<UsageRecord[]> {
  await eventually(
    () =>
      completions(rig)
        .slice(before)
        .some((c) => c.final),
    5000,
    'the final completion line',
  );
  const rid = completions(rig)
    .slice(before)
    .find((c) => c.final)!.rid;
  return completions(rig).filter((c) => c.rid === rid);
}

async function status(rig: Rig) {
  return (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as {
    zai_cooldown_until: string | null;
    zai_cooldown_reason: string | null;
    zai_cooldown_why: string | null;
  };
}

/** What Claude Code 2.1.33x sends besides the Messages fields (research: zai-and-claude-code-2026.md). */
const CLAUDE_CODE_EXTRAS = {
  context_management: { edits: [] },
  output_config: { effort: 'low' },
  diagnostics: { client: 'cli' },
};

test('business codes, with fallback: answered by anthropic; the cooldown has the reason and the end the contract gives', async () => {
  const reset = new Date(Date.now() + 2 * 3600_000 + 1000);
  reset.setUTCMilliseconds(0);
  const cases: [string, Record<string, unknown>, string | undefined, (until: number) => boolean][] = [
    // A concurrency refusal fails that one request: no cooldown (the in-flight limit learns from it).
    ['1302 concurrency', { zaiCode: 1302 }, undefined, () => true],
    ['1303 frequency', { zaiCode: 1303 }, 'rate', (u) => Math.abs(u - Date.now() - 60_000) < 5000],
    ['1312 overloaded', { zaiCode: 1312 }, 'overload', (u) => Math.abs(u - Date.now() - 60_000) < 5000],
    [
      '529',
      { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      'overload',
      (u) => Math.abs(u - Date.now() - 60_000) < 5000,
    ],
    ['1310 weekly cap', { zaiCode: 1310, resetAt: reset }, 'quota', (u) => u === reset.getTime()],
    ['1308 5-hour cap', { zaiCode: 1308, resetAt: reset }, 'quota', (u) => u === reset.getTime()],
    ['1113 balance', { zaiCode: 1113 }, 'plan', (u) => Math.abs(u - Date.now() - 600_000) < 5000],
    ['1309 plan expired', { zaiCode: 1309 }, 'plan', (u) => Math.abs(u - Date.now() - 600_000) < 5000],
    ['1211 unknown model', { zaiCode: 1211 }, 'model', (u) => Math.abs(u - Date.now() - 600_000) < 5000],
    ['1311 model not in plan', { zaiCode: 1311 }, 'model', (u) => Math.abs(u - Date.now() - 600_000) < 5000],
    ['404', { status: 404, body: { error: { message: 'no such route' } } }, undefined, () => true],
  ];
  // A fresh proxy per case: each cooldown is the one its own failure started.
  for (const [name, fault, reason, untilOk] of cases) {
    await withRig({ env: { CCP_ZAI_COOLDOWN_S: '60', CCP_ZAI_LONG_COOLDOWN_S: '600' } }, async (rig) => {
      rig.zai.fault = fault;
      rig.anthropic.reset();
      const before = completions(rig).length;
      const r = await send(rig, message('claude-haiku-4-5', true));
      assert.is(r.status, 200, `${name}: ${r.text}`);
      assert.is(replyText(r.text), 'ok from anthropic-fake', name);
      const [z, a] = await lines(rig, before);
      assert.equal(
        [z!.lane, z!.final, a!.decision, a!.final, a!.zai_failure],
        ['zai', false, 'fallback', true, z!.zai_failure],
        name,
      );
      const s = await status(rig);
      if (!reason) {
        assert.is(s.zai_cooldown_until, null, `${name}: no cooldown`);
        return;
      }
      assert.is(s.zai_cooldown_reason, reason, name);
      assert.ok(untilOk(Date.parse(s.zai_cooldown_until!)), `${name}: cooldown until ${s.zai_cooldown_until}`);
    });
  }
});

test('business codes, CCP_FALLBACK=0: rate and quota answers are relayed; key, plan and model become a 502 naming Z.AI', async () => {
  await withRig({ env: { CCP_FALLBACK: '0', CCP_ZAI_COOLDOWN_S: '0', CCP_ZAI_LONG_COOLDOWN_S: '0' } }, async (rig) => {
    for (const [fault, wantStatus, words] of [
      [{ zaiCode: 1310 }, 429, '[1310]'],
      [{ zaiCode: 1302 }, 429, '[1302]'],
      [{ status: 500 }, 500, 'injected 500'],
      [{ zaiCode: 1113 }, 502, 'Z.AI account balance is exhausted'],
      [{ zaiCode: 1311 }, 502, 'ZAI_MODEL_MAP'],
    ] as const) {
      rig.zai.fault = fault;
      const before = completions(rig).length;
      const r = await send(rig, message('claude-haiku-4-5', true));
      assert.is(r.status, wantStatus, JSON.stringify(fault));
      assert.match(r.text, words);
      assert.is(JSON.parse(r.text).type, 'error');
      const [z] = await lines(rig, before);
      assert.equal([z!.final, z!.proxy_status], [true, wantStatus === 502 ? 502 : undefined]);
    }
    assert.is(rig.anthropic.requests.length, 0, 'nothing went to Anthropic');
  });
});

test('a Z.AI key rejected in both header modes with CCP_FALLBACK=0: a 502 naming Z.AI, never a 401 for api.anthropic.com', async () => {
  await withRig(
    { env: { CCP_FALLBACK: '0' }, zai: { requireKey: { value: 'another-key', header: 'either' } } },
    async (rig) => {
      const r = await send(rig, message('claude-haiku-4-5', true));
      assert.is(r.status, 502);
      const e = JSON.parse(r.text) as { error: { type: string; message: string } };
      assert.is(e.error.type, 'api_error');
      assert.match(e.error.message, 'Z.AI rejected the Z.AI key');
      assert.is(rig.zai.requests.length, 2);
    },
  );
});

test('an error answer whose body stalls is bounded by CCP_IDLE_TIMEOUT_MS, then handled as its status', async () => {
  await withRig({ env: { CCP_IDLE_TIMEOUT_MS: '500', CCP_ZAI_COOLDOWN_S: '0' } }, async (rig) => {
    rig.zai.fault = { zaiCode: 1302, stallBody: true };
    const t0 = Date.now();
    const r = await send(rig, message('claude-haiku-4-5', true));
    const took = Date.now() - t0;
    assert.is(replyText(r.text), 'ok from anthropic-fake');
    assert.ok(took >= 450 && took < 3000, `answered after ${took} ms`);
    const [z] = completions(rig);
    assert.equal([z!.status, z!.err_type, z!.zai_failure], [429, 'timeout', 'rate']);
  });
  await withRig({ env: { CCP_IDLE_TIMEOUT_MS: '500', CCP_FALLBACK: '0' } }, async (rig) => {
    rig.zai.fault = { status: 503, body: { error: { message: 'upstream busy' } }, stallBody: true };
    const t0 = Date.now();
    const r = await send(rig, message('claude-haiku-4-5', false));
    assert.ok(Date.now() - t0 < 3000);
    assert.is(r.status, 503);
    const e = JSON.parse(r.text) as { type: string; error: { type: string; message: string } };
    assert.equal([e.type, e.error.type], ['error', 'api_error']);
    assert.match(e.error.message, 'Z.AI answered 503, then its body');
  });
});

test('strict schema: first-party fields never reach Z.AI; fields Z.AI calls unknown are dropped one by one, remembered for the run; Sonnet keeps them byte for byte', async () => {
  await withRig(
    { zai: { strictSchema: 'first', unknownFields: ['context_management', 'output_config'] } },
    async (rig) => {
      const before = completions(rig).length;
      const r = await send(rig, message('claude-haiku-4-5', true, CLAUDE_CODE_EXTRAS));
      assert.is(replyText(r.text), 'ok from zai-fake', r.text);
      const attempts = await lines(rig, before);
      assert.equal(
        attempts.map((a) => [a.lane, a.status, a.zai_dropped_fields, a.zai_failure, a.final]),
        [
          ['zai', 400, undefined, 'unknown_fields', false],
          ['zai', 400, ['context_management'], 'unknown_fields', false],
          ['zai', 200, ['context_management', 'output_config'], undefined, true],
        ],
      );
      // diagnostics is first-party only: never on the wire to Z.AI, not even on the first attempt.
      for (const q of rig.zai.requests) assert.not.ok('diagnostics' in JSON.parse(q.body.toString()));
      const last = JSON.parse(rig.zai.requests.at(-1)!.body.toString()) as Record<string, unknown>;
      assert.equal(Object.keys(last).sort(), ['max_tokens', 'messages', 'model', 'stream']);
      // Remembered: the next request drops them before its first attempt.
      rig.zai.reset();
      await send(rig, message('claude-haiku-4-5', false, CLAUDE_CODE_EXTRAS));
      assert.is(rig.zai.requests.length, 1);
      // The Anthropic lane is never stripped.
      const sonnet = JSON.stringify(message('claude-sonnet-4-5', true, CLAUDE_CODE_EXTRAS));
      const s = await send(rig, sonnet);
      assert.is(s.status, 200);
      assert.ok(rig.anthropic.requests.at(-1)!.body.equals(Buffer.from(sonnet)), 'byte-identical on Anthropic');
    },
  );
});

test('strict schema beyond the retry bound: fallback with CCP_FALLBACK=1, the 400 relayed with CCP_FALLBACK=0', async () => {
  const extras = { ...CLAUDE_CODE_EXTRAS, temperature: 1, top_k: 5 };
  const unknownFields = ['context_management', 'output_config', 'temperature', 'top_k'];
  await withRig({ zai: { strictSchema: 'first', unknownFields } }, async (rig) => {
    const r = await send(rig, message('claude-haiku-4-5', true, extras));
    assert.is(replyText(r.text), 'ok from anthropic-fake');
    assert.is(rig.zai.requests.length, 4, 'the first attempt and three retries');
    const body = JSON.parse(rig.anthropic.requests[0]!.body.toString()) as Record<string, unknown>;
    assert.ok('context_management' in body && 'diagnostics' in body, 'the fallback carries the client’s original body');
  });
  await withRig({ env: { CCP_FALLBACK: '0' }, zai: { strictSchema: 'all', unknownFields } }, async (rig) => {
    rig.zai.opts.strictSchema = 'first';
    const r = await send(rig, message('claude-haiku-4-5', true, extras));
    assert.is(r.status, 400);
    assert.match(r.text, 'Extra inputs are not permitted');
  });
});

test('the header mode sticks only after a 2xx', async () => {
  await withRig(
    {
      env: { CCP_ZAI_COOLDOWN_S: '0' },
      zai: { requireKey: { value: 'zai-fake-key-0123456789abcdef', header: 'authorization' } },
    },
    async (rig) => {
      // x-api-key → 401; Bearer → a 429 (the fault spares the first request): the fallback answers, and
      // x-api-key stays the mode.
      rig.zai.fault = { zaiCode: 1302, skipRequests: 1 };
      await send(rig, message('claude-haiku-4-5', false));
      const attempts = await lines(rig, 0);
      assert.equal(
        attempts.map((a) => [a.lane, a.header_mode ?? null, a.status]),
        [
          ['zai', 'x-api-key', 401],
          ['zai', 'authorization', 429],
          ['anthropic', null, 200],
        ],
      );
      assert.is(rig.proxy.zaiLane.headerMode, 'x-api-key');
      rig.zai.fault = undefined;
      await send(rig, message('claude-haiku-4-5', false));
      assert.is(rig.proxy.zaiLane.headerMode, 'authorization', 'a 2xx in the other mode makes it stick');
    },
  );
});

test('413 and malformed lines: no upstream, the model when readable, the real size', async () => {
  await withRig({ env: { CCP_MAX_BODY_MB: '0.01' } }, async (rig) => {
    const big = JSON.stringify(message('claude-sonnet-4-5', false, { system: 'x'.repeat(20_000) }));
    const r = await send(rig, big);
    assert.is(r.status, 413);
    const [c] = await lines(rig, 0);
    assert.equal(
      [c!.upstream, c!.model, c!.req_bytes, c!.status, c!.err_type],
      [undefined, 'claude-sonnet-4-5', Buffer.byteLength(big), 413, 'bad_request'],
    );
    assert.is(rig.anthropic.requests.length + rig.zai.requests.length, 0);
  });
});

test('two top-level model keys route the same way at every size: the last one, as JSON.parse reads it', async () => {
  await withRig({}, async (rig) => {
    for (const pad of [0, 200 * 1024]) {
      const body = `{"model":"claude-sonnet-4-5","max_tokens":16,"system":"${'s'.repeat(pad)}","messages":[{"role":"user","content":"hi"}],"model":"claude-haiku-4-5","stream":true}`;
      const before = completions(rig).length;
      const r = await send(rig, body);
      assert.is(replyText(r.text), 'ok from zai-fake', `body of ${body.length} bytes`);
      const [c] = await lines(rig, before);
      assert.equal([c!.lane, c!.model], ['zai', 'claude-haiku-4-5']);
    }
  });
});

test('Z.AI-shaped usage (input and cache tokens only in message_delta): exact tokens in the log; summarize counts requests and attempts', async () => {
  await withRig(
    { zai: { usage: { input_tokens: 1234, output_tokens: 56, cache_read_input_tokens: 789 } } },
    async (rig) => {
      const r = await send(rig, message('claude-haiku-4-5', true));
      // What crossed the wire to the client: Z.AI puts input and cache tokens only in message_delta.
      const events = [...r.text.matchAll(/^data: (.*)$/gm)].map(
        (m) =>
          JSON.parse(m[1]!) as {
            type: string;
            message?: { usage?: Record<string, number> };
            usage?: Record<string, number>;
          },
      );
      const delta = events.find((e) => e.type === 'message_delta')!.usage!;
      assert.equal([delta.input_tokens, delta.output_tokens, delta.cache_read_input_tokens], [1234, 56, 789]);
      assert.is(
        events.find((e) => e.type === 'message_start')!.message!.usage!.input_tokens ?? 0,
        0,
        'not in message_start',
      );
      // The log holds exactly those figures.
      const [c] = await lines(rig, 0);
      assert.equal(
        [c!.lane, c!.input_tokens, c!.output_tokens, c!.cache_read_input_tokens, c!.cache_creation_input_tokens],
        ['zai', 1234, 56, 789, undefined],
      );
      // One request that took two attempts (a 500, then the fallback): 2 attempts, 1 client request.
      rig.zai.fault = { status: 500 };
      rig.config.zaiCooldownS = 0;
      await send(rig, message('claude-haiku-4-5', true));
      const m = await summarizeLog(rig.proxy.logPath);
      assert.is(m.totals.requests, 3, 'attempts');
      assert.equal(m.client_requests, {
        total: 2,
        answered_by: { zai: 1, anthropic: 1 },
        with_fallback: 1,
        with_retry: 0,
        failed: 0,
        for_capacity: { kept_off: 0, refused: 0 },
        subscription_policy: {
          below_threshold: 0,
          overflow: { requests: 0, input_tokens: 0, output_tokens: 0, span_s: 0 },
        },
      });
    },
  );
});

test.run();

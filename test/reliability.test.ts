// Faults with a defined outcome: what the client sees, what each fake received, what the log says, and
// that the proxy keeps serving the next request.
import net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetch } from 'undici';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, type Rig } from '../proxy/rig/rig.js';
import { summarizeLog } from '../proxy/read/reports.js';
import type { UsageRecord } from '../proxy/common/log-schema.js';
import {
  announceRig,
  completions,
  eventually,
  logLines,
  message,
  npmRun,
  postMessages,
  proxyAgent,
  replyText,
  within,
  withRig,
} from './helpers.js';

async function send(rig: Rig, model: string, stream: boolean, body: Record<string, unknown> = {}) {
  const agent = proxyAgent(rig);
  try {
    return await within(15_000, postMessages(agent, message(model, stream, body)));
  } finally {
    await agent.close();
  }
}

/** The completion lines of the last request (all its attempts), once its final line is written. */
async function lastRequest(rig: Rig, attempts: number): Promise<UsageRecord[]> {
  await eventually(
    () => completions(rig).length >= attempts && completions(rig).at(-1)!.final === true,
    5000,
    `${attempts} completion lines, the last one final`,
  );
  const rid = completions(rig).at(-1)!.rid;
  return completions(rig).filter((c) => c.rid === rid);
}

test('z.ai 401 in one header mode → one retry in the other, streams included; the working mode sticks', async () => {
  await withRig({ zai: { requireKey: { value: FAKE_ZAI_KEY, header: 'authorization' } } }, async (rig) => {
    const r = await send(rig, 'claude-haiku-4-5', true);
    assert.is(r.status, 200);
    assert.match(r.text, 'event: message_stop');
    assert.not.match(r.text, 'authentication_error');
    assert.equal(
      rig.zai.requests.map((q) => [q.headers['x-api-key'], q.headers.authorization]),
      [
        [FAKE_ZAI_KEY, undefined],
        [undefined, `Bearer ${FAKE_ZAI_KEY}`],
      ],
    );
    const [a1, a2] = await lastRequest(rig, 2);
    assert.equal(
      [a1!.attempt, a1!.status, a1!.err_type, a1!.header_mode, a1!.retry],
      [1, 401, '401', 'x-api-key', undefined],
    );
    assert.equal(
      [a2!.attempt, a2!.status, a2!.err_type, a2!.header_mode, a2!.retry],
      [2, 200, undefined, 'authorization', true],
    );
    assert.is(logLines(rig).filter((l) => l.event === 'decision').length, 2);
    await send(rig, 'claude-haiku-4-5', false);
    assert.is(rig.zai.requests.length, 3);
    assert.is(rig.zai.requests[2]!.headers.authorization, `Bearer ${FAKE_ZAI_KEY}`);
    assert.is(rig.proxy.zaiLane.headerMode, 'authorization');
  });
});

test('a 401 in both header modes: answered by anthropic (never a 401 for api.anthropic.com), auth cooldown, one alert', async () => {
  await withRig({ zai: { requireKey: { value: 'some-other-key', header: 'either' } } }, async (rig) => {
    const alerts: string[] = [];
    rig.proxy.router.on('alert', (a) => alerts.push(a));
    const r = await send(rig, 'claude-haiku-4-5', true);
    assert.is(r.status, 200);
    assert.is(replyText(r.text), 'ok from anthropic-fake');
    assert.is(rig.zai.requests.length, 2, 'one retry in the other header mode, then no more');
    assert.is(rig.anthropic.requests.length, 1);
    const [a1, a2, a3] = await lastRequest(rig, 3);
    assert.equal([a1!.status, a1!.zai_failure, a1!.final], [401, 'auth', false]);
    assert.equal([a2!.status, a2!.retry, a2!.zai_failure, a2!.final], [401, true, 'auth', false]);
    assert.equal(
      [a3!.lane, a3!.decision, a3!.fallback_from, a3!.zai_failure, a3!.final],
      ['anthropic', 'fallback', 'zai', 'auth', true],
    );
    assert.is(rig.proxy.zaiLane.headerMode, 'x-api-key', 'no mode sticks without a 2xx');
    assert.equal([rig.proxy.zaiLane.cooldown()?.reason, rig.proxy.zaiLane.coolingDown()], ['auth', true]);
    assert.is(alerts.length, 1);
    assert.match(alerts[0]!, 'Z.AI rejected the Z.AI key');
    // The next Haiku call goes straight to Anthropic, with no Z.AI request.
    await send(rig, 'claude-haiku-4-5', false);
    assert.is(rig.zai.requests.length, 2);
    const [c] = await lastRequest(rig, 4);
    assert.equal([c!.lane, c!.decision, c!.cooldown_reason, c!.final], ['anthropic', 'cooldown', 'auth', true]);
    assert.is(alerts.length, 1, 'said once per cooldown');
  });
});

const FALLBACK_CASES: [string, (rig: Rig) => Promise<void> | void, string][] = [
  ['refused', (rig) => rig.zai.stop(), 'net'],
  ['reset before headers', (rig) => void (rig.zai.fault = { resetBeforeHeaders: true }), 'net'],
  [
    'first-byte timeout',
    (rig) => {
      rig.zai.fault = { hangBeforeHeaders: true };
      rig.config.firstByteTimeoutMs = 300;
      rig.config.nonstreamTimeoutMs = 300;
    },
    'timeout',
  ],
  [
    '429 with z.ai code 1302',
    (rig) =>
      void (rig.zai.fault = {
        status: 429,
        body: { error: { code: '1302', message: 'High concurrency usage of this API' } },
      }),
    '429',
  ],
  ['500', (rig) => void (rig.zai.fault = { status: 500 }), '5xx'],
  [
    '529 overloaded',
    (rig) =>
      void (rig.zai.fault = {
        status: 529,
        body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      }),
    '5xx',
  ],
];

for (const [name, inject, errType] of FALLBACK_CASES) {
  test(`fallback before the first byte: z.ai ${name} → answered by anthropic with the client's own request`, async () => {
    await withRig({ env: { CCP_ZAI_COOLDOWN_S: '0' } }, async (rig) => {
      await inject(rig);
      for (const stream of [true, false]) {
        rig.anthropic.reset();
        const raw = JSON.stringify(message('claude-haiku-4-5-20251001', stream));
        const agent = proxyAgent(rig);
        const r = await within(
          15_000,
          postMessages(agent, raw, {
            headers: { authorization: 'Bearer sk-ant-oat01-client-token', 'anthropic-beta': 'oauth-2025-04-20' },
          }),
        ).finally(() => agent.close());
        assert.is(r.status, 200, `${name} stream=${stream}: ${r.text}`);
        assert.is(replyText(r.text), 'ok from anthropic-fake');
        const got = rig.anthropic.requests[0]!;
        assert.ok(got.body.equals(Buffer.from(raw)), 'the original body bytes');
        assert.is(got.headers.authorization, 'Bearer sk-ant-oat01-client-token');
        assert.is(got.headers['anthropic-beta'], 'oauth-2025-04-20');
        assert.not.match(JSON.stringify(got.headers), FAKE_ZAI_KEY);
        const [a1, a2] = await lastRequest(rig, stream ? 2 : 4);
        assert.equal([a1!.lane, a1!.err_type, a1!.attempt], ['zai', errType, 1]);
        assert.equal(
          [a2!.lane, a2!.decision, a2!.fallback_from, a2!.attempt, a2!.status],
          ['anthropic', 'fallback', 'zai', 2, 200],
        );
        assert.is(a1!.rid, a2!.rid);
      }
    });
  });
}

test('a kept-alive upstream connection the server dropped is redialled once: no fallback, no error, on both lanes', async () => {
  await withRig({}, async (rig) => {
    for (const [model, fake, lane] of [
      ['claude-haiku-4-5', rig.zai, 'zai'],
      ['claude-sonnet-4-5', rig.anthropic, 'anthropic'],
    ] as const) {
      const first = await send(rig, model, true);
      assert.is(first.status, 200);
      const connections = fake.connections;
      fake.fault = { resetReusedConnections: true };
      for (const stream of [true, false]) {
        const before = completions(rig).length;
        const r = await send(rig, model, stream);
        await eventually(() => completions(rig).length > before, 5000, "this request's completion line");
        assert.is(r.status, 200, `${model} stream=${stream}: ${r.text}`);
        assert.is(replyText(r.text), `ok from ${fake.name}`);
        const [only] = await lastRequest(rig, 1);
        // The first request meets the dead kept-alive socket and is redialled; the second opens a new pooled one.
        assert.equal(
          [only!.lane, only!.status, only!.attempt, only!.err_type, only!.redial, only!.final],
          [lane, 200, 1, undefined, stream ? true : undefined, true],
        );
        assert.is(completions(rig).filter((c) => c.rid === only!.rid).length, 1, 'one attempt, no fallback');
      }
      assert.ok(fake.connections > connections, 'the request was sent again on a new connection');
      fake.fault = undefined;
    }
    assert.not.ok(completions(rig).some((c) => c.decision === 'fallback'));
  });
});

test('fallback on a TLS failure (untrusted z.ai certificate) and on a connect timeout (TLS handshake never completes)', async () => {
  const { createTestTls } = await import('../proxy/rig/test-ca.js');
  const { FakeUpstream } = await import('../proxy/rig/fake-upstream.js');
  const stranger = await new FakeUpstream({
    name: 'stranger',
    tls: await createTestTls('untrusted CA'),
    prefix: '/api/anthropic',
  }).start();
  const tarpit = net.createServer(() => {}); // accepts, never speaks TLS
  await new Promise<void>((r) => tarpit.listen(0, '127.0.0.1', () => r()));
  try {
    await withRig({ env: { CCP_ZAI_COOLDOWN_S: '0' } }, async (rig) => {
      for (const [base, errType, text] of [
        [stranger.baseUrl, 'net', /UNABLE_TO_VERIFY|CERT|SELF_SIGNED/],
        [
          `https://127.0.0.1:${(tarpit.address() as net.AddressInfo).port}/api/anthropic`,
          'timeout',
          /connect timeout after 300 ms/,
        ],
      ] as const) {
        rig.config.zaiBaseUrl = new URL(base);
        rig.config.connectTimeoutMs = 300;
        const r = await send(rig, 'claude-haiku-4-5', true);
        assert.is(replyText(r.text), 'ok from anthropic-fake');
        const [a1, a2] = await lastRequest(rig, 2);
        assert.equal([a1!.lane, a1!.err_type, a2!.decision], ['zai', errType, 'fallback']);
        assert.match(a1!.error ?? '', text, a1!.error);
      }
      assert.is(stranger.requests.length, 0, 'nothing was sent to a host whose certificate failed');
    });
  } finally {
    await stranger.stop();
    tarpit.close();
  }
});

test('CCP_FALLBACK=0: the client gets the upstream error, or an Anthropic-shaped JSON error for transport failures', async () => {
  await withRig({ env: { CCP_FALLBACK: '0', CCP_ZAI_COOLDOWN_S: '0' } }, async (rig) => {
    rig.zai.fault = {
      status: 429,
      body: { error: { code: '1302', message: 'High concurrency' } },
      headers: { 'retry-after': '3' },
    };
    const limited = await send(rig, 'claude-haiku-4-5', true);
    assert.is(limited.status, 429);
    assert.is(JSON.parse(limited.text).error.code, '1302');
    assert.is(limited.headers['retry-after'], '3');
    await rig.zai.stop();
    const refused = await send(rig, 'claude-haiku-4-5', true);
    assert.is(refused.status, 502);
    assert.equal(Object.keys(JSON.parse(refused.text)), ['type', 'error']);
    assert.is(JSON.parse(refused.text).error.type, 'api_error');
    assert.match(JSON.parse(refused.text).error.message, 'zai upstream');
    assert.is(rig.anthropic.requests.length, 0);
  });
});

test('cooldown: a z.ai quota failure keeps haiku on anthropic (decision cooldown) until it ends; retry-after can lengthen it', async () => {
  await withRig({ env: { CCP_ZAI_COOLDOWN_S: '300' } }, async (rig) => {
    rig.zai.fault = {
      status: 429,
      body: { error: { code: '1303', message: 'High frequency usage of this API' } },
      headers: { 'retry-after': '900' },
    };
    await send(rig, 'claude-haiku-4-5', true);
    rig.zai.fault = undefined;
    const before = rig.zai.requests.length;
    const r = await send(rig, 'claude-haiku-4-5', true);
    assert.is(replyText(r.text), 'ok from anthropic-fake');
    assert.is(rig.zai.requests.length, before, 'z.ai not tried during the cooldown');
    const [c] = await lastRequest(rig, 3);
    assert.equal([c!.lane, c!.decision, c!.attempt], ['anthropic', 'cooldown', 1]);
    const status = (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as {
      zai_cooldown_until: string;
      zai_cooldown_why: string;
    };
    const left = (Date.parse(status.zai_cooldown_until) - Date.now()) / 1000;
    assert.ok(left > 880 && left <= 900, `cooldown left ${left}s`);
    assert.match(status.zai_cooldown_why, 'z.ai code 1303');
    // npm run status shows it too (the state file names this process, which runs the proxy).
    announceRig(rig);
    const shown = await npmRun('status', [], { CCP_LOGS_DIR: rig.config.logsDir });
    assert.match(
      String(shown.stdout),
      `cooldown     haiku on anthropic until ${status.zai_cooldown_until} (rate: HTTP 429, z.ai code 1303, retry-after 900s)`,
    );
  });
  // When it ends, haiku goes back to z.ai.
  await withRig({ env: { CCP_ZAI_COOLDOWN_S: '1' } }, async (rig) => {
    rig.zai.fault = { status: 429, body: { error: { code: '1303', message: 'x' } } };
    await send(rig, 'claude-haiku-4-5', false);
    rig.zai.fault = undefined;
    assert.ok(rig.proxy.zaiLane.coolingDown());
    await new Promise((r) => setTimeout(r, 1100));
    assert.is(replyText((await send(rig, 'claude-haiku-4-5', false)).text), 'ok from zai-fake');
  });
  await withRig({ env: { CCP_ZAI_COOLDOWN_S: '0' } }, async (rig) => {
    rig.zai.fault = { status: 429, body: { error: { code: '1303', message: 'x' } } };
    await send(rig, 'claude-haiku-4-5', false);
    assert.not.ok(rig.proxy.zaiLane.coolingDown(), 'CCP_ZAI_COOLDOWN_S=0 disables it');
  });
});

test('mid-stream reset: the client gets an Anthropic error event and a failed end, never a clean truncated stream; no retry', async () => {
  await withRig({}, async (rig) => {
    rig.anthropic.fault = { resetAfterEvents: 5 };
    const agent = proxyAgent(rig);
    let text = '';
    let failure: Error | undefined;
    try {
      const res = await fetch('https://api.anthropic.com/v1/messages', {
        dispatcher: agent,
        method: 'POST',
        headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(message('claude-sonnet-4-5', true)),
      });
      assert.is(res.status, 200);
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch (e) {
      failure = e as Error;
    } finally {
      await agent.close();
    }
    assert.ok(failure, `the stream ended cleanly after: ${text}`);
    assert.match(text, 'event: error');
    assert.match(text, '"type":"api_error"');
    assert.not.match(text, 'message_stop');
    const [c] = await lastRequest(rig, 1);
    assert.equal([c!.status, c!.err_type], [200, 'stream_error']);
    assert.ok(c!.sse_events! >= 4 && c!.resp_bytes! > 0, `events ${c!.sse_events}, bytes ${c!.resp_bytes}`);
    assert.is(rig.anthropic.requests.length, 1, 'nothing is retried after bytes reached the client');
    rig.anthropic.fault = undefined;
    assert.is((await send(rig, 'claude-sonnet-4-5', false)).status, 200, 'the proxy keeps serving');
  });
});

test('idle timeout mid-stream: error event, failed end, err_type timeout', async () => {
  await withRig({}, async (rig) => {
    rig.config.idleTimeoutMs = 400;
    rig.zai.fault = { hangAfterEvents: 4 };
    const agent = proxyAgent(rig);
    const t0 = Date.now();
    const outcome = await within(
      10_000,
      postMessages(agent, message('claude-haiku-4-5', true)).then(
        (r) => r.text,
        (e: Error) => `FAILED ${e.message}`,
      ),
    ).finally(() => agent.close());
    assert.ok(Date.now() - t0 < 5000, 'the client was not left hanging');
    const [c] = await lastRequest(rig, 1);
    assert.equal([c!.err_type, c!.lane], ['timeout', 'zai']);
    assert.match(c!.error ?? '', 'no data for 400 ms', JSON.stringify(c));
    assert.ok(outcome.startsWith('FAILED') || outcome.includes('event: error'), outcome);
  });
});

test('client abort (Esc): the upstream request is aborted at once and the log says client_abort', async () => {
  await withRig({ anthropic: { eventGapMs: 200, deltas: 20 } }, async (rig) => {
    const agent = proxyAgent(rig);
    const ac = new AbortController();
    try {
      const res = await fetch('https://api.anthropic.com/v1/messages', {
        dispatcher: agent,
        signal: ac.signal,
        method: 'POST',
        headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(message('claude-opus-4-1', true)),
      });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
    } catch {
      // aborted
    }
    const t0 = Date.now();
    await eventually(() => rig.anthropic.responses[0]?.aborted === true, 3000, 'upstream aborted');
    assert.ok(Date.now() - t0 < 2000);
    const [c] = await lastRequest(rig, 1);
    assert.is(c!.err_type, 'client_abort');
    assert.ok(rig.anthropic.responses[0]!.events < 20, 'generation stopped upstream');
    await agent.close();
  });
});

test('bad input: no model → anthropic untouched; malformed HTTP → 400 from the proxy; both logged; the proxy keeps serving', async () => {
  await withRig({}, async (rig) => {
    const r = await send(rig, 'x', false, { model: undefined });
    assert.is(r.status, 400);
    assert.match(r.text, 'model: Field required');
    const [c] = await lastRequest(rig, 1);
    assert.equal([c!.lane, c!.decision, c!.err_type], ['anthropic', 'pass_through', '4xx']);
    assert.match(c!.reason ?? '', 'no model');

    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(rig.proxy.port, '127.0.0.1', () => s.write('GARBAGE / NOTHTTP\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(data));
      s.on('error', reject);
      s.setTimeout(3000, () => s.destroy());
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    await eventually(
      () => completions(rig).some((l) => l.err_type === 'bad_request'),
      3000,
      'a log line for the malformed request',
    );
    const bad = completions(rig).find((l) => l.err_type === 'bad_request')!;
    assert.equal([bad.status, bad.upstream], [400, undefined]);
    assert.match(bad.error ?? '', /^(HPE_|UNKNOWN_PROTOCOL)/);
    assert.is((await send(rig, 'claude-haiku-4-5', true)).status, 200, 'the proxy keeps serving');
  });
});

test('log rotation by size; readers see every line across the rotated files', async () => {
  // Files of 3,000 bytes hold about one request each; KEEP=10 keeps all six, so six is the only right count.
  await withRig({ env: { CCP_LOG_MAX_MB: String(3000 / 1024 / 1024), CCP_LOG_KEEP: '10' } }, async (rig) => {
    for (let i = 0; i < 6; i++) await send(rig, i % 2 ? 'claude-sonnet-4-5' : 'claude-haiku-4-5', false);
    const files = [
      rig.proxy.logPath,
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => `${rig.proxy.logPath}.${n}`),
    ].filter((f) => existsSync(f));
    assert.ok(files.length >= 3, `rotated: ${files.length} files`);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.ok(text.length <= 3000, `${f}: ${text.length} bytes`);
      assert.match(text.split('\n')[0]!, /^\{"v":1,"event":"run",/, `${f} starts with the run line`);
    }
    const m = await summarizeLog(rig.proxy.logPath);
    assert.is(m.totals.requests, 6, `${m.totals.requests} requests across ${m.source.files.length} files`);
    assert.is(m.source.malformed, 0, 'no line is split across files');
    // Every decision line has its completion line, across the files.
    const lines = files
      .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as { event: string; rid?: string; attempt?: number });
    const key = (l: { rid?: string; attempt?: number }) => `${l.rid}:${l.attempt}`;
    const decided = lines
      .filter((l) => l.event === 'decision')
      .map(key)
      .sort();
    const done = lines
      .filter((l) => l.event === 'complete')
      .map(key)
      .sort();
    assert.is(decided.length, 6);
    assert.equal(decided, done);
  });
  // KEEP bounds the rotated files: the oldest are dropped, by design.
  await withRig({ env: { CCP_LOG_MAX_MB: String(3000 / 1024 / 1024), CCP_LOG_KEEP: '2' } }, async (rig) => {
    for (let i = 0; i < 6; i++) await send(rig, 'claude-sonnet-4-5', false);
    assert.ok(existsSync(`${rig.proxy.logPath}.2`));
    assert.not.ok(existsSync(`${rig.proxy.logPath}.3`), 'keeps at most CCP_LOG_KEEP rotated files');
  });
});

test('cross-lane thinking: z.ai-signed history blocks are removed on the anthropic lane; anthropic-signed ones kept', async () => {
  await withRig({ anthropic: { thinking: 'anthropic' }, zai: { thinking: 'glm' } }, async (rig) => {
    const thinking = { type: 'enabled', budget_tokens: 1024 };
    // Turn 1 on anthropic (sonnet), turn 2 on z.ai (haiku): each answers with a thinking block it signed.
    const t1 = JSON.parse((await send(rig, 'claude-sonnet-4-5', false, { thinking })).text) as {
      content: Record<string, unknown>[];
    };
    const t2 = await send(rig, 'claude-haiku-4-5', true, { thinking });
    const glmSig = /"signature":"(glm-[0-9a-f]+)"/.exec(t2.text)?.[1];
    assert.ok(glmSig, 'z.ai streamed a signature');
    const anthThinking = t1.content.find((b) => b.type === 'thinking')!;
    assert.match(String(anthThinking.signature), /^anth-/);
    const history = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: [anthThinking, { type: 'text', text: 'ok' }] },
      { role: 'user', content: 'second' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'zai-fake thinks', signature: glmSig },
          { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file: 'a' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'file body' }] },
    ];
    const turn3 = { thinking, messages: history };
    // The real API (and the fake) rejects the z.ai-signed block: this is what a fallback would hit unguarded.
    const direct = await fetch(`${rig.anthropic.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': FAKE_ANTHROPIC_KEY },
      body: JSON.stringify(message('claude-haiku-4-5', false, turn3)),
      dispatcher: new (await import('undici')).Agent({ connect: { ca: readFileSync(rig.upstreamCaPath, 'utf8') } }),
    });
    assert.is(direct.status, 400);
    assert.match(await direct.text(), 'Invalid `signature` in `thinking` block');

    // Through the proxy, while paused (the haiku turn goes to anthropic): accepted.
    await rig.control('/__ccp/pause');
    rig.anthropic.reset();
    const r = await send(rig, 'claude-haiku-4-5', true, turn3);
    assert.is(r.status, 200, r.text);
    const sent = JSON.parse(rig.anthropic.requests[0]!.body.toString()) as {
      thinking?: unknown;
      messages: { content: unknown }[];
    };
    assert.equal(sent.messages[1]!.content, history[1]!.content, 'the anthropic-signed block is untouched');
    assert.equal(sent.messages[3]!.content, [history[3]!.content[1]], 'only the z.ai-signed block is gone');
    assert.is(
      sent.thinking,
      undefined,
      'thinking dropped: the last assistant turn has tool_use and no thinking block left',
    );
    const [c] = await lastRequest(rig, 3);
    assert.equal(
      [c!.lane, c!.decision, c!.thinking_removed, c!.thinking_disabled],
      ['anthropic', 'failover_paused', 1, true],
    );

    // The same history in a large Sonnet turn shaped as Claude Code sends it (routed from the body's
    // ends without a full parse): the guard still parses it and removes the z.ai-signed block.
    rig.anthropic.reset();
    const large = JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 32,
      system: 's'.repeat(200 * 1024),
      ...turn3,
      stream: true,
    });
    const largeAgent = proxyAgent(rig);
    const before = completions(rig).length;
    const lr = await within(15_000, postMessages(largeAgent, large)).finally(() => largeAgent.close());
    assert.is(lr.status, 200, lr.text);
    const sentLarge = JSON.parse(rig.anthropic.requests[0]!.body.toString()) as { messages: { content: unknown }[] };
    assert.equal(
      sentLarge.messages[3]!.content,
      [history[3]!.content[1]],
      'large body: only the z.ai-signed block is gone',
    );
    await eventually(() => completions(rig).length > before, 5000, "the large turn's completion line");
    const cl = completions(rig).at(-1);
    assert.equal([cl!.lane, cl!.model, cl!.op, cl!.thinking_removed], ['anthropic', 'claude-sonnet-4-5', 'stream', 1]);

    // A conversation with no z.ai-signed blocks is forwarded byte for byte.
    rig.anthropic.reset();
    const clean = JSON.stringify(message('claude-sonnet-4-5', false, { thinking, messages: history.slice(0, 3) }));
    const agent = proxyAgent(rig);
    await postMessages(agent, clean).finally(() => agent.close());
    assert.ok(rig.anthropic.requests[0]!.body.equals(Buffer.from(clean)));
  });
});

test.run();

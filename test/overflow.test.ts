// CCP_OVERFLOW=main: when Anthropic refuses for the subscription's limit (429, unified status rejected)
// and nothing reached the client, the request is answered by Z.AI, and so is every request until the
// window resets; without it the refusal reaches the client byte for byte. Real HTTPS clients; what each
// simulated upstream received is the oracle.
import { appendFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { subscriptionSpent } from '../proxy/rig/rig.js';
import { completions, message, npmRun, postMessages, proxyAgent, replyText, withRig } from './helpers.js';

const OAUTH = { authorization: 'Bearer sk-ant-oat01-overflow-subscription-0123456789' };
const REFUSAL = subscriptionSpent(0).body;

test('at the limit: the refused request is answered by Z.AI, the next ones go straight there until the reset, then back to Anthropic', async () => {
  await withRig({ env: { CCP_OVERFLOW: 'main', ZAI_MODEL_MAP: 'sonnet=glm-5.3' } }, async (rig) => {
    const agent = proxyAgent(rig);
    const send = (id: string) =>
      postMessages(agent, message('claude-sonnet-4-5', true), { headers: { ...OAUTH, 'x-client-request-id': id } });
    const resetMs = Date.now() + 2500;
    rig.anthropic.fault = subscriptionSpent(resetMs);
    const first = await send('m-1');
    assert.is(first.status, 200, first.text);
    assert.is(replyText(first.text), 'ok from zai-fake');
    assert.is(JSON.parse(rig.zai.requests.at(-1)!.body.toString()).model, 'glm-5.3', 'mapped by ZAI_MODEL_MAP');
    const lines = completions(rig).filter((c) => c.client_request_id === 'm-1');
    assert.equal(
      lines.map((l) => [l.attempt, l.lane, l.status, l.decision, l.final]),
      [
        [2, 'zai', 200, 'overflow_to_zai', true],
        [1, 'anthropic', 429, 'pass_through', false],
      ],
    );
    // Until the reset: straight to Z.AI, Anthropic not asked.
    const anthSeen = rig.anthropic.requests.length;
    const second = await send('m-2');
    assert.is(replyText(second.text), 'ok from zai-fake');
    assert.is(rig.anthropic.requests.length, anthSeen);
    const l2 = completions(rig).find((c) => c.client_request_id === 'm-2')!;
    assert.equal([l2.attempt, l2.decision], [1, 'overflow_to_zai']);
    assert.match(
      l2.reason!,
      `anthropic 5h limit reached until ${new Date(Math.round(resetMs / 1000) * 1000).toISOString()}`,
    );
    const status = (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as {
      overflow: { window: string } | null;
    };
    assert.is(status.overflow?.window, '5h');
    // After the reset: back to Anthropic.
    rig.anthropic.fault = undefined;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.round(resetMs / 1000) * 1000 - Date.now()) + 200));
    const third = await send('m-3');
    assert.is(replyText(third.text), 'ok from anthropic-fake');
    // summarize: two requests carried, their tokens kept off the subscription (the fakes' usage: 42 in, 17 out each).
    const sum = await npmRun('summarize', [], {
      CCP_LOGS_DIR: rig.config.logsDir,
      CCP_RESULTS_DIR: rig.config.resultsDir,
    });
    assert.match(
      String(sum.stdout),
      /overflow: 2 request\(s\) answered by Z\.AI while the Anthropic window was spent \(CCP_OVERFLOW=main, over [\d.]+ s\), 84 input \+ 34 output tokens kept off the subscription/,
    );
    const v = await npmRun('verify-routing', ['--grace', '0', '--expect', 'sonnet=anthropic'], {
      CCP_LOGS_DIR: rig.config.logsDir,
    });
    assert.is(v.exitCode, 0, String(v.stdout));
    await agent.close();
  });
});

test('without CCP_OVERFLOW the refusal reaches the client byte for byte; with it, a Z.AI that cannot take it leaves the refusal unchanged', async () => {
  for (const [overflow, fallback] of [
    [false, '1'],
    [true, '1'],
    [true, '0'],
  ] as const) {
    await withRig({ env: overflow ? { CCP_OVERFLOW: 'main', CCP_FALLBACK: fallback } : {} }, async (rig) => {
      rig.anthropic.fault = subscriptionSpent(Date.now() + 60_000);
      if (overflow) rig.zai.fault = { zaiCode: 1308 };
      const agent = proxyAgent(rig);
      const r = await postMessages(agent, message('claude-sonnet-4-5', false), { headers: OAUTH });
      await agent.close();
      assert.is(r.status, 429, `overflow ${overflow}`);
      assert.equal(JSON.parse(r.text), REFUSAL);
      assert.is(r.headers['anthropic-ratelimit-unified-status'], 'rejected');
      assert.is(rig.zai.requests.length, overflow ? 1 : 0);
      // The answer the client got is the Anthropic attempt's: only its line is final.
      assert.equal(
        completions(rig).map((c) => [c.lane, c.final]),
        overflow
          ? [
              ['zai', false],
              ['anthropic', true],
            ]
          : [['anthropic', true]],
        `overflow ${overflow}, CCP_FALLBACK=${fallback}`,
      );
    });
  }
});

test('the same refusal as an SSE error event before any content (a 200 whose headers say rejected) overflows too; a 200 with content is never replaced', async () => {
  await withRig({ env: { CCP_OVERFLOW: 'main' } }, async (rig) => {
    const refusal = subscriptionSpent(Date.now() + 60_000);
    const sse = `event: error\ndata: ${JSON.stringify(refusal.body)}\n\n`;
    rig.anthropic.fault = {
      status: 200,
      body: sse,
      headers: { ...refusal.headers, 'content-type': 'text/event-stream' },
    };
    const agent = proxyAgent(rig);
    const r = await postMessages(agent, message('claude-sonnet-4-5', true), { headers: OAUTH });
    assert.is(replyText(r.text), 'ok from zai-fake', r.text);
    await agent.close();
  });
  await withRig({ env: { CCP_OVERFLOW: 'main' } }, async (rig) => {
    // Rejected in the headers, yet a real answer: it is relayed, not replaced.
    rig.anthropic.opts.unifiedRateLimit = { ...subscriptionSpent(Date.now() + 60_000).headers };
    const agent = proxyAgent(rig);
    const r = await postMessages(agent, message('claude-sonnet-4-5', true), { headers: OAUTH });
    assert.is(replyText(r.text), 'ok from anthropic-fake');
    assert.is(rig.zai.requests.length, 0);
    await agent.close();
  });
});

test('verify: a main-thread request on Z.AI is a violation unless the run line in force has CCP_OVERFLOW=main', async () => {
  await withRig({}, async (rig) => {
    const agent = proxyAgent(rig);
    await postMessages(agent, message('claude-sonnet-4-5', false));
    await agent.close();
    const [line] = completions(rig);
    appendFileSync(
      rig.proxy.logPath,
      `${JSON.stringify({ ...line, rid: 'planted', lane: 'zai', upstream: new URL(rig.zai.baseUrl).host, decision: 'overflow_to_zai' })}\n`,
    );
    const v = await npmRun('verify-routing', ['--grace', '0'], { CCP_LOGS_DIR: rig.config.logsDir });
    assert.is(v.exitCode, 1);
    assert.match(String(v.stdout), /FAIL {2}no non-haiku request on the z\.ai lane.*\[rids: planted\]/);
  });
});

test.run();

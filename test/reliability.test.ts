// Faults with a defined outcome: what the client sees, what the log says, and that the proxy keeps serving.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAKE_ZAI_KEY, startRig, type Rig } from '../proxy/rig.js';
import { completions, eventually, logLines, message, postMessages, proxyAgent, within } from './helpers.js';

async function withRig(opts: Parameters<typeof startRig>[0], fn: (rig: Rig) => Promise<void>): Promise<void> {
  const rig = await startRig(opts);
  try {
    await fn(rig);
  } finally {
    await rig.stop();
  }
}

test('z.ai 401 in one header mode → one retry in the other, streams included; the working mode sticks', async () => {
  await withRig({ zai: { requireKey: { value: FAKE_ZAI_KEY, header: 'authorization' } } }, async (rig) => {
    const agent = proxyAgent(rig);
    try {
      const r = await within(10_000, postMessages(agent, message('claude-haiku-4-5', true)));
      assert.is(r.status, 200);
      assert.match(r.text, 'event: message_stop');
      assert.not.match(r.text, 'authentication_error');
      assert.equal(rig.zai.requests.map((q) => [q.headers['x-api-key'], q.headers.authorization]), [
        [FAKE_ZAI_KEY, undefined],
        [undefined, `Bearer ${FAKE_ZAI_KEY}`],
      ]);
      await eventually(() => completions(rig).length === 2);
      const [a1, a2] = completions(rig);
      assert.equal([a1!.attempt, a1!.status, a1!.err_type, a1!.header_mode, a1!.retry], [1, 401, '401', 'x-api-key', undefined]);
      assert.equal([a2!.attempt, a2!.status, a2!.err_type, a2!.header_mode, a2!.retry], [2, 200, undefined, 'authorization', true]);
      assert.is(a1!.rid, a2!.rid);
      assert.is(logLines(rig).filter((l) => l.event === 'decision').length, 2);
      // Later requests start in the mode that worked.
      await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
      assert.is(rig.zai.requests.length, 3);
      assert.is(rig.zai.requests[2]!.headers.authorization, `Bearer ${FAKE_ZAI_KEY}`);
      assert.is(rig.proxy.state.zaiHeaderMode, 'authorization');
    } finally {
      await agent.close();
    }
  });
});

test('a 401 in both header modes reaches the client as the upstream answered it, after exactly one retry', async () => {
  await withRig({ zai: { requireKey: { value: 'some-other-key', header: 'either' } } }, async (rig) => {
    const agent = proxyAgent(rig);
    try {
      const r = await within(10_000, postMessages(agent, message('claude-haiku-4-5', true)));
      assert.is(r.status, 401);
      assert.is(JSON.parse(r.text).error.type, 'authentication_error');
      assert.is(rig.zai.requests.length, 2);
      assert.is(rig.proxy.state.zaiHeaderMode, 'x-api-key');
    } finally {
      await agent.close();
    }
  });
});

test.run();

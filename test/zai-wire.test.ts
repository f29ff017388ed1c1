// What crosses the wire to each lane for the shapes Claude Code 2.1.337 sends (docs/ZAI.md, "What Z.AI
// receives"): the 1M-context suffix, an explicit thinking off for a model that refuses it, gzip bodies,
// and the endpoints under /v1/messages that never move. Real HTTPS clients through the proxy; the
// simulated upstreams record the bytes.
import { gzipSync, gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { completions, message, postMessages, proxyAgent, replyText, withRig } from './helpers.js';

const SUBAGENT = {
  'x-claude-code-session-id': 'c0ffee00-1111-4222-8333-944445555666',
  'x-claude-code-agent-id': 'a1b2c3d4e5f6a7b8c',
  'x-claude-code-agent-type': 'custom',
};

const sentTo = (q: { body: Buffer }) => JSON.parse(q.body.toString()) as Record<string, unknown>;

test('a [1m] model reaches Z.AI without the suffix (mapped or not); Anthropic gets it as sent', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents', ZAI_MODEL_MAP: 'opus=glm-5.3' } }, async (rig) => {
    const agent = proxyAgent(rig);
    await postMessages(agent, message('claude-sonnet-4-6[1m]', false), { headers: SUBAGENT });
    assert.is(sentTo(rig.zai.requests.at(-1)!).model, 'claude-sonnet-4-6');
    await postMessages(agent, message('claude-opus-4-6[1m]', false), { headers: SUBAGENT });
    assert.is(sentTo(rig.zai.requests.at(-1)!).model, 'glm-5.3');
    const [a, b] = completions(rig);
    assert.equal(
      [a!.model, a!.upstream_model, b!.upstream_model],
      ['claude-sonnet-4-6[1m]', 'claude-sonnet-4-6', 'glm-5.3'],
    );
    await postMessages(agent, message('claude-sonnet-4-6[1m]', false));
    assert.is(sentTo(rig.anthropic.requests.at(-1)!).model, 'claude-sonnet-4-6[1m]', 'the main thread as sent');
    await agent.close();
  });
});

test('thinking {type: disabled} is removed for GLM-5.3-Flash only; other models get it as sent', async () => {
  await withRig(
    { env: { ZAI_MODEL_MAP: 'haiku=glm-5.3-flash,sonnet=glm-5.3', CCP_OFFLOAD: 'haiku,subagents' } },
    async (rig) => {
      const agent = proxyAgent(rig);
      const off = { thinking: { type: 'disabled' } };
      await postMessages(agent, message('claude-haiku-4-5', false, off));
      const flash = sentTo(rig.zai.requests.at(-1)!);
      assert.equal([flash.model, 'thinking' in flash], ['glm-5.3-flash', false]);
      await postMessages(agent, message('claude-sonnet-4-5', false, off), { headers: SUBAGENT });
      const full = sentTo(rig.zai.requests.at(-1)!);
      assert.equal([full.model, full.thinking], ['glm-5.3', { type: 'disabled' }]);
      await agent.close();
    },
  );
});

test('a gzip body: read for its model; Anthropic gets the same compressed bytes, Z.AI the decoded JSON', async () => {
  await withRig({}, async (rig) => {
    const agent = proxyAgent(rig);
    const sonnet = gzipSync(JSON.stringify(message('claude-sonnet-4-5', true, { diagnostics: { x: 1 } })));
    const s = await postMessages(agent, sonnet, { headers: { 'content-encoding': 'gzip' } });
    assert.is(replyText(s.text), 'ok from anthropic-fake');
    const a = rig.anthropic.requests.at(-1)!;
    assert.ok(a.body.equals(sonnet), 'byte for byte');
    assert.is(a.headers['content-encoding'], 'gzip');
    assert.is(JSON.parse(gunzipSync(a.body).toString()).model, 'claude-sonnet-4-5');

    const haiku = gzipSync(JSON.stringify(message('claude-haiku-4-5', true, { diagnostics: { x: 1 } })));
    const h = await postMessages(agent, haiku, { headers: { 'content-encoding': 'gzip' } });
    assert.is(replyText(h.text), 'ok from zai-fake', h.text);
    const z = rig.zai.requests.at(-1)!;
    assert.is(z.headers['content-encoding'], undefined);
    assert.equal([sentTo(z).model, 'diagnostics' in sentTo(z)], ['claude-haiku-4-5', false]);
    assert.equal(
      completions(rig).map((c) => [c.lane, c.model]),
      [
        ['anthropic', 'claude-sonnet-4-5'],
        ['zai', 'claude-haiku-4-5'],
      ],
    );
    await agent.close();
  });
});

test('only an exact POST /v1/messages moves: evaluate_safeguards, count_tokens, cache_touch and a trailing slash stay', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents' } }, async (rig) => {
    const agent = proxyAgent(rig);
    for (const path of [
      '/v1/messages/evaluate_safeguards?beta=true',
      '/v1/messages/count_tokens?beta=true',
      '/v1/messages/cache_touch',
      '/v1/messages/',
    ]) {
      const r = await postMessages(agent, message('claude-haiku-4-5', false), { path, headers: SUBAGENT });
      assert.is(r.status, 200, path);
    }
    assert.is(rig.zai.requests.length, 0);
    assert.equal(
      rig.anthropic.requests.map((q) => q.url),
      [
        '/v1/messages/evaluate_safeguards?beta=true',
        '/v1/messages/count_tokens?beta=true',
        '/v1/messages/cache_touch',
        '/v1/messages/',
      ],
    );
    assert.ok(completions(rig).every((c) => c.lane === 'anthropic' && c.decision === 'pass_through'));
    await agent.close();
  });
});

test.run();

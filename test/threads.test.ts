// Message Threads never cross lanes: Z.AI never receives a `thread` (it keeps none), a continuation of
// an Anthropic answer stays on Anthropic, and a continuation of a Z.AI answer is refused with the 404
// thread_not_found Claude Code recovers from by sending the conversation again whole. Real HTTPS
// clients; the simulated upstreams record what crossed the wire; message ids are read from the answers
// the client received.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { continuedMessageId } from '../proxy/serve/lane/thread-lanes.js';
import { completions, message, postMessages, proxyAgent, replyText, withRig } from './helpers.js';

const SUBAGENT = {
  'x-claude-code-session-id': 'c0ffee00-1111-4222-8333-944445555666',
  'x-claude-code-agent-id': 'a1b2c3d4e5f6a7b8c',
  'x-claude-code-agent-type': 'Explore',
  'anthropic-beta': 'claude-code-20250219,message-threads-2026-08-12',
};

/** The message id of a streamed answer, as the client saw it in message_start. */
function messageIdOf(sse: string): string {
  const m = /"type":"message_start","message":\{"id":"([^"]+)"/.exec(sse) ?? /"id":"(msg_[^"]+)"/.exec(sse);
  if (!m) throw new Error(`no message id in ${sse.slice(0, 200)}`);
  return m[1]!;
}

const turn = (extra: Record<string, unknown>) => message('claude-sonnet-4-5', true, extra);

test('continuedMessageId reads both forms; a create or no thread continues nothing', () => {
  assert.is(continuedMessageId({ thread: { type: 'continue', previous_message_id: 'msg_1' } }), 'msg_1');
  assert.is(continuedMessageId({ previous_message_id: 'msg_2' }), 'msg_2');
  assert.is(continuedMessageId({ thread: { type: 'create' } }), undefined);
  assert.is(continuedMessageId({ model: 'x' }), undefined);
});

test('subagents offloaded: Z.AI never receives a thread; its answer is never continued anywhere; Anthropic’s stays on Anthropic', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents' } }, async (rig) => {
    const agent = proxyAgent(rig);
    // A subagent starts a thread: to Z.AI, without `thread` and without the threads beta.
    const first = await postMessages(agent, turn({ thread: { type: 'create' } }), { headers: SUBAGENT });
    assert.is(first.status, 200, first.text);
    assert.is(replyText(first.text), 'ok from zai-fake');
    const z = rig.zai.requests.at(-1)!;
    assert.not.ok('thread' in JSON.parse(z.body.toString()));
    assert.not.match(String(z.headers['anthropic-beta']), 'message-threads');
    const zaiMsg = messageIdOf(first.text);

    // Its continuation: neither lane can continue it; 404 thread_not_found from the proxy, nothing dialled.
    const zBefore = rig.zai.requests.length;
    const aBefore = rig.anthropic.requests.length;
    const cont = await postMessages(agent, turn({ thread: { type: 'continue', previous_message_id: zaiMsg } }), {
      headers: SUBAGENT,
    });
    assert.is(cont.status, 404);
    const err = JSON.parse(cont.text) as { type: string; error: { type: string; details: { error_code: string } } };
    assert.equal(
      [err.type, err.error.type, err.error.details.error_code],
      ['error', 'not_found_error', 'thread_not_found'],
    );
    assert.equal([rig.zai.requests.length, rig.anthropic.requests.length], [zBefore, aBefore]);
    // The newer form (top-level previous_message_id) is refused the same way.
    const newer = await postMessages(agent, turn({ previous_message_id: zaiMsg }), { headers: SUBAGENT });
    assert.is(newer.status, 404);
    assert.equal([rig.zai.requests.length, rig.anthropic.requests.length], [zBefore, aBefore]);

    // Sent again whole (as Claude Code does on that answer): Z.AI again.
    const whole = await postMessages(agent, turn({ thread: { type: 'create' } }), { headers: SUBAGENT });
    assert.is(replyText(whole.text), 'ok from zai-fake');

    // The main thread's answer comes from Anthropic; a subagent continuing it stays there, and Anthropic continues it.
    const main = await postMessages(agent, turn({ thread: { type: 'create' } }));
    assert.is(replyText(main.text), 'ok from anthropic-fake');
    const anthMsg = messageIdOf(main.text);
    const stays = await postMessages(agent, turn({ thread: { type: 'continue', previous_message_id: anthMsg } }), {
      headers: SUBAGENT,
    });
    assert.is(stays.status, 200, stays.text);
    assert.is(replyText(stays.text), 'ok from anthropic-fake');
    const sent = JSON.parse(rig.anthropic.requests.at(-1)!.body.toString()) as { thread: unknown };
    assert.equal(sent.thread, { type: 'continue', previous_message_id: anthMsg }, 'Anthropic gets the thread as sent');

    // A continuation of a message this proxy never saw answered: Anthropic decides (its 404 reaches the client).
    const unknown = await postMessages(
      agent,
      turn({ thread: { type: 'continue', previous_message_id: 'msg_nowhere' } }),
      {
        headers: SUBAGENT,
      },
    );
    assert.is(unknown.status, 404);
    assert.is(rig.anthropic.requests.at(-1)!.status, 404, 'answered by Anthropic itself');

    // No Z.AI request ever carried a thread.
    for (const q of rig.zai.requests) {
      const b = JSON.parse(q.body.toString()) as Record<string, unknown>;
      assert.not.ok('thread' in b || 'previous_message_id' in b);
    }
    await agent.close();
    const lines = completions(rig).filter((c) => c.final);
    assert.equal(
      lines.map((l) => [l.lane, l.decision, l.status]),
      [
        ['zai', 'subagent_to_zai', 200],
        ['zai', 'thread_refused', 404],
        ['zai', 'thread_refused', 404],
        ['zai', 'subagent_to_zai', 200],
        ['anthropic', 'pass_through', 200],
        ['anthropic', 'thread_stays', 200],
        ['anthropic', 'thread_stays', 404],
      ],
    );
    assert.equal(
      lines.filter((l) => l.decision === 'thread_refused').map((l) => [l.upstream, l.proxy_status]),
      [
        [undefined, 404],
        [undefined, 404],
      ],
    );
  });
});

test('haiku on the main thread (the Haiku rule): a thread Z.AI answered is refused; one Anthropic answered is not moved', async () => {
  await withRig({}, async (rig) => {
    const agent = proxyAgent(rig);
    const haiku = (extra: Record<string, unknown>) => message('claude-haiku-4-5', true, extra);
    const first = await postMessages(agent, haiku({ thread: { type: 'create' } }));
    assert.is(replyText(first.text), 'ok from zai-fake');
    const cont = await postMessages(
      agent,
      haiku({ thread: { type: 'continue', previous_message_id: messageIdOf(first.text) } }),
    );
    assert.is(cont.status, 404);
    assert.is(rig.anthropic.requests.length, 0, 'no continuation of a Z.AI answer reached Anthropic');
    await agent.close();
  });
});

test.run();

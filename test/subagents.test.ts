// CCP_OFFLOAD=haiku,subagents: a Claude Code subagent's requests go to Z.AI whatever model they ask
// for; the main conversation stays (it moves only as Haiku). Real HTTPS clients send exactly the headers Claude Code
// 2.1.332 sends (docs/ZAI.md, "Subagents"); the simulated upstreams record what crossed the wire.
import { appendFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, type Rig } from '../proxy/rig/rig.js';
import {
  announceRig,
  completions,
  message,
  npmRun,
  postMessages,
  proxyAgent,
  replyText,
  withRig,
  jsonLines,
} from './helpers.js';

const SESSION = 'c0ffee00-1111-4222-8333-944445555666';
const MAIN = {
  'x-claude-code-session-id': SESSION,
  'x-claude-code-request-class': 'main',
  'x-client-request-id': 'm-1',
};
const SUBAGENT = {
  'x-claude-code-session-id': SESSION,
  'x-claude-code-request-class': 'subagent',
  'x-client-request-id': 's-1',
  'x-claude-code-agent-id': 'a1b2c3d4e5f6a7b8c',
  'x-claude-code-agent-type': 'general-purpose',
};

function verify(rig: Rig) {
  return npmRun(
    'verify-routing',
    ['--expect', 'sonnet=anthropic'],
    { CCP_LOGS_DIR: rig.config.logsDir, HOME: rig.dir, PATH: process.env.PATH! },
    { extendEnv: false },
  );
}

test('with subagents offloaded: the subagent reaches Z.AI mapped and stripped of identifiers, the main thread reaches Anthropic byte for byte', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents', ZAI_MODEL_MAP: 'sonnet=glm-4.7' } }, async (rig) => {
    const agent = proxyAgent(rig);
    const mainBody = JSON.stringify(message('claude-sonnet-4-5', false));
    assert.is((await postMessages(agent, mainBody, { headers: MAIN })).status, 200);
    assert.is(rig.anthropic.requests.length, 1);
    assert.is(rig.anthropic.requests[0]!.body.toString(), mainBody, 'the main thread byte for byte');
    assert.is(rig.zai.requests.length, 0);

    const sub = await postMessages(agent, message('claude-sonnet-4-5', true), { headers: SUBAGENT });
    assert.is(sub.status, 200);
    assert.is(replyText(sub.text), 'ok from zai-fake');
    const z = rig.zai.requests.at(-1)!;
    assert.is(JSON.parse(z.body.toString()).model, 'glm-4.7', 'ZAI_MODEL_MAP sonnet=glm-4.7');
    assert.is(z.headers['x-api-key'], FAKE_ZAI_KEY);
    assert.not.match(JSON.stringify(z.headers), FAKE_ANTHROPIC_KEY);
    // Z.AI is told nothing that identifies the user's sessions, prompts, agents or requests.
    assert.equal(
      Object.keys(z.headers).filter((h) => h.startsWith('x-claude-code-') || h === 'x-client-request-id'),
      [],
    );
    assert.is(rig.anthropic.requests.length, 1, 'the subagent did not touch Anthropic');
    const [c] = completions(rig).filter((l) => l.client_request_id === 's-1');
    assert.equal(
      [c!.lane, c!.decision, c!.upstream_model, c!.agent_type, c!.reason],
      [
        'zai',
        'subagent_to_zai',
        'glm-4.7',
        'general-purpose',
        'subagent (general-purpose) claude-sonnet-4-5, CCP_OFFLOAD=subagents → zai lane',
      ],
    );

    // count_tokens never moves, subagent or not.
    const count = await postMessages(agent, message('claude-sonnet-4-5', false), {
      headers: SUBAGENT,
      path: '/v1/messages/count_tokens?beta=true',
    });
    assert.is(count.status, 200);
    assert.is(rig.anthropic.requests.at(-1)!.url, '/v1/messages/count_tokens?beta=true');

    // Z.AI fails before any byte: the subagent falls back to Anthropic with the client's original request.
    rig.zai.fault = { status: 500 };
    const subBody = JSON.stringify(message('claude-sonnet-4-5', false));
    const fb = await postMessages(agent, subBody, { headers: { ...SUBAGENT, 'x-client-request-id': 's-2' } });
    rig.zai.fault = undefined;
    assert.match(fb.text, 'ok from anthropic-fake');
    const back = rig.anthropic.requests.at(-1)!;
    assert.is(back.body.toString(), subBody, "the client's original body");
    assert.is(back.headers['x-api-key'], FAKE_ANTHROPIC_KEY, "the client's own credentials");
    assert.is(
      back.headers['x-claude-code-agent-id'],
      SUBAGENT['x-claude-code-agent-id'],
      'Anthropic gets every header as sent',
    );

    const v = await verify(rig);
    assert.is(v.exitCode, 0, String(v.stdout));
    assert.match(String(v.stdout), 'PASS  subagents on the z.ai lane while the policy moves them');
    await agent.close();
  });
});

test('switched live: npm run offload -- --subagents off keeps the next subagent on Anthropic, and verify judges each request by the policy in force', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents' } }, async (rig) => {
    const agent = proxyAgent(rig);
    assert.match(
      (await postMessages(agent, message('claude-sonnet-4-5', false), { headers: SUBAGENT })).text,
      'ok from zai-fake',
    );
    const status = (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as { offload: string };
    assert.is(status.offload, 'haiku,subagents');
    // The control endpoint as the task uses it (the rig's proxy runs in this process, so the task cannot find it by pid).
    const refused = await fetch(`${rig.proxyUrl}/__ccp/offload?subagents=off`, { method: 'POST' });
    assert.is(refused.status, 403, 'no token, no switch');
    const off = await fetch(`${rig.proxyUrl}/__ccp/offload?subagents=off`, {
      method: 'POST',
      headers: { 'x-ccp-token': rig.proxy.controlToken },
    });
    assert.equal(await off.json(), { offload: 'haiku', at_pct: 0 });
    const next = await postMessages(agent, message('claude-sonnet-4-5', false), {
      headers: { ...SUBAGENT, 'x-client-request-id': 's-3' },
    });
    assert.match(next.text, 'ok from anthropic-fake');
    const [c] = completions(rig).filter((l) => l.client_request_id === 's-3');
    assert.equal([c!.lane, c!.decision], ['anthropic', 'pass_through']);
    // The switch is a run line in the log, between the two requests.
    const events = jsonLines<{ event: string; offload?: string; client_request_id?: string }>(rig.proxy.logPath);
    assert.equal(
      events.filter((e) => e.event === 'run').map((e) => e.offload),
      ['haiku,subagents', 'haiku'],
    );
    assert.is((await verify(rig)).exitCode, 0);
    // A subagent line on the z.ai lane after the switch is a violation: the policy in force did not move it.
    const moved = completions(rig).find((l) => l.decision === 'subagent_to_zai')!;
    appendFileSync(
      rig.proxy.logPath,
      `${JSON.stringify({ ...moved, event: 'decision', rid: 'late', ts: Date.now() / 1000 })}\n${JSON.stringify({ ...moved, rid: 'late', ts: Date.now() / 1000 })}\n`,
    );
    const late = await verify(rig);
    assert.is(late.exitCode, 1);
    assert.match(
      String(late.stdout),
      /FAIL {2}no non-haiku request on the z\.ai lane unless a subagent moved by the policy in force: .*\[rids: late\]/,
    );
    await agent.close();
  });
});

test('a subagent is known by its agent id: an untyped one and a custom one move; a type without an id (no subagent) does not', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents' } }, async (rig) => {
    const agent = proxyAgent(rig);
    const { 'x-claude-code-agent-type': _type, ...untyped } = SUBAGENT;
    const cases: [Record<string, string>, string][] = [
      [{ ...untyped, 'x-client-request-id': 'u-1' }, 'ok from zai-fake'],
      [{ ...SUBAGENT, 'x-claude-code-agent-type': 'custom', 'x-client-request-id': 'u-2' }, 'ok from zai-fake'],
      [
        { ...MAIN, 'x-claude-code-agent-type': 'general-purpose', 'x-client-request-id': 'u-3' },
        'ok from anthropic-fake',
      ],
    ];
    for (const [headers, want] of cases) {
      const r = await postMessages(agent, message('claude-sonnet-4-5', false), { headers });
      assert.is(replyText(r.text), want, JSON.stringify(headers));
    }
    assert.equal(
      completions(rig).map((c) => [c.client_request_id, c.decision, c.agent_type]),
      [
        ['u-1', 'subagent_to_zai', undefined],
        ['u-2', 'subagent_to_zai', 'custom'],
        ['u-3', 'pass_through', 'general-purpose'],
      ],
    );
    await agent.close();
  });
});

test('the task itself: npm run offload -- --subagents off, then on, switches the running proxy each way', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents' } }, async (rig) => {
    announceRig(rig);
    const env = { CCP_LOGS_DIR: rig.config.logsDir, HOME: rig.dir, PATH: process.env.PATH! };
    const status = async () =>
      ((await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as { offload: string }).offload;
    const off = await npmRun('offload', ['--subagents', 'off'], env, { extendEnv: false });
    assert.is(off.exitCode, 0, String(off.stderr));
    assert.is(await status(), 'haiku');
    const agent = proxyAgent(rig);
    const r = await postMessages(agent, message('claude-sonnet-4-5', false), { headers: SUBAGENT });
    assert.is(replyText(r.text), 'ok from anthropic-fake', 'off means the subagent stays on Anthropic');
    const on = await npmRun('offload', ['--subagents', 'on'], env, { extendEnv: false });
    assert.is(on.exitCode, 0, String(on.stderr));
    assert.is(await status(), 'haiku,subagents');
    const z = await postMessages(agent, message('claude-sonnet-4-5', false), { headers: SUBAGENT });
    assert.is(replyText(z.text), 'ok from zai-fake');
    await agent.close();
  });
});

test('without subagents in CCP_OFFLOAD nothing but Haiku moves', async () => {
  await withRig({}, async (rig) => {
    const agent = proxyAgent(rig);
    assert.match(
      (await postMessages(agent, message('claude-sonnet-4-5', false), { headers: SUBAGENT })).text,
      'ok from anthropic-fake',
    );
    assert.match(
      (await postMessages(agent, message('claude-haiku-4-5', false), { headers: SUBAGENT })).text,
      'ok from zai-fake',
    );
    assert.equal(
      completions(rig).map((l) => [l.model, l.lane, l.decision]),
      [
        ['claude-sonnet-4-5', 'anthropic', 'pass_through'],
        ['claude-haiku-4-5', 'zai', 'forced_model'],
      ],
    );
    await agent.close();
  });
});

test.run();

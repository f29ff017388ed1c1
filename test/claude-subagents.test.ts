// The real Claude Code CLI spawning a real subagent (its Agent tool) through the proxy: with
// CCP_OFFLOAD=haiku,subagents the subagent's requests reach Z.AI and the main thread's reach Anthropic
// unchanged; without it nothing but Haiku moves. The simulated Anthropic answers the main thread's first
// turn with a call of the Agent tool (fake-delegation.ts), as a model that delegates would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAKE_ANTHROPIC_KEY, type Rig } from '../proxy/rig/rig.js';
import { ensureClaude, messagesRequests, runClaude } from './claude.js';
import { completions, eventually, withRig } from './helpers.js';

const SPAWN = {
  subagent_type: 'general-purpose',
  description: 'Say ok',
  prompt: 'Answer with the word ok and nothing else.',
};
const KEY = { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY };

test.before(async () => {
  await ensureClaude();
});

/** One `claude -p` whose main thread delegates to a subagent; the completion lines of /v1/messages it caused. */
async function delegate(rig: Rig) {
  const run = await runClaude(rig, 'sonnet', KEY);
  assert.is(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr}\n${run.stdout}`);
  const wire = [...messagesRequests(rig.anthropic), ...messagesRequests(rig.zai)].filter(
    (q) => !q.url.includes('count_tokens'),
  );
  await eventually(
    () => completions(rig).filter((l) => l.path === '/v1/messages').length >= wire.length,
    5000,
    'a line per request',
  );
  return {
    result: JSON.parse(String(run.stdout)) as { result: string; is_error: boolean },
    lines: completions(rig).filter((l) => l.path === '/v1/messages' && l.final !== false),
  };
}

test('CCP_OFFLOAD=haiku,subagents: the subagent thread reaches Z.AI, the main thread reaches Anthropic', async () => {
  await withRig(
    {
      env: { CCP_OFFLOAD: 'haiku,subagents', ZAI_MODEL_MAP: 'sonnet=glm-4.7' },
      anthropic: { delegation: { spawn: SPAWN } },
    },
    async (rig) => {
      const { result, lines } = await delegate(rig);
      assert.is(result.is_error, false);
      const sub = lines.filter((l) => l.agent_id !== undefined);
      const main = lines.filter((l) => l.agent_id === undefined && l.request_class === 'main');
      assert.ok(
        sub.length >= 1,
        `the subagent made requests: ${JSON.stringify(lines.map((l) => [l.model, l.lane, l.agent_type, l.request_class]))}`,
      );
      assert.ok(main.length >= 2, 'the main thread asked twice (the Agent call, then its result)');
      for (const l of sub) {
        assert.equal([l.lane, l.agent_type], ['zai', 'general-purpose'], `subagent ${l.rid}`);
        assert.ok(l.decision === 'subagent_to_zai' || l.decision === 'forced_model', `${l.rid}: ${l.decision}`);
      }
      for (const l of main) assert.equal([l.lane, l.decision], ['anthropic', 'pass_through'], `main ${l.rid}`);
      // On the wire: Anthropic never saw a subagent request; Z.AI never saw the main thread, nor any identifier.
      assert.equal(
        messagesRequests(rig.anthropic)
          .filter((q) => q.headers['x-claude-code-agent-id'] !== undefined)
          .map((q) => q.url),
        [],
      );
      const zaiSonnet = messagesRequests(rig.zai).filter((q) => JSON.parse(q.body.toString()).model === 'glm-4.7');
      assert.ok(zaiSonnet.length >= 1, 'the Sonnet subagent ran as glm-4.7 on Z.AI');
      assert.equal(
        messagesRequests(rig.zai).flatMap((q) => Object.keys(q.headers).filter((h) => h.startsWith('x-claude-code-'))),
        [],
      );
      // The main thread's final turn carried the subagent's answer (from Z.AI) back to Anthropic.
      const last = messagesRequests(rig.anthropic)
        .filter((q) => q.headers['x-claude-code-request-class'] === 'main')
        .at(-1)!;
      assert.match(last.body.toString(), 'toolu_fake_agent_0001');
      assert.match(last.body.toString(), 'ok from zai-fake');
    },
  );
});

test('without subagents in CCP_OFFLOAD the same session moves nothing but Haiku', async () => {
  await withRig({ anthropic: { delegation: { spawn: SPAWN } } }, async (rig) => {
    const { result, lines } = await delegate(rig);
    assert.is(result.is_error, false);
    const sub = lines.filter((l) => l.agent_id !== undefined);
    assert.ok(sub.length >= 1, 'the subagent made requests');
    for (const l of lines) {
      const haiku = (l.model ?? '').includes('haiku');
      assert.is(l.lane, haiku && l.decision !== 'account_probe' ? 'zai' : 'anthropic', `${l.model} ${l.decision}`);
    }
    assert.ok(sub.every((l) => l.lane === 'anthropic' || (l.model ?? '').includes('haiku')));
  });
});

test('fan-out: four subagents at once, three turns each, against a Z.AI that takes 2 at once — at least a third on Z.AI, no cooldown, the session completes', async () => {
  const delegation = { spawn: SPAWN, spawnCount: 4, subagentTurns: 3 };
  await withRig(
    {
      env: { CCP_OFFLOAD: 'haiku,subagents', CCP_ZAI_COOLDOWN_S: '300' },
      anthropic: { delegation, deltas: 6, eventGapMs: 40 },
      zai: { delegation, maxConcurrent: 2, deltas: 6, eventGapMs: 40 },
    },
    async (rig) => {
      const { result, lines } = await delegate(rig);
      assert.is(result.is_error, false, JSON.stringify(result));
      // The CLI ran the four subagents, each through its three turns: 12 subagent requests answered.
      const sub = lines.filter((l) => l.agent_id !== undefined);
      const agents = new Set(sub.map((l) => l.agent_id));
      assert.is(agents.size, 4, `subagents seen: ${[...agents].join(', ')}`);
      assert.is(sub.length, 12, JSON.stringify(sub.map((l) => [l.agent_id, l.lane, l.decision])));
      // They ran at once: the simulated Z.AI refused for concurrency (what it takes is 2), or the lane kept them off.
      const onZai = messagesRequests(rig.zai).filter((q) => q.status === 200).length;
      assert.ok(onZai * 3 >= 12, `Z.AI answered ${onZai} of 12 subagent requests`);
      assert.ok(rig.zai.peakInFlight >= 2, `peak in flight on Z.AI ${rig.zai.peakInFlight}`);
      assert.is(rig.proxy.zaiLane.coolingDown(), false, 'no cooldown');
      for (const l of sub) assert.ok(['subagent_to_zai', 'zai_busy', 'fallback'].includes(l.decision), l.decision);
      // The main thread's last turn carried all four results back.
      const last = messagesRequests(rig.anthropic)
        .filter((q) => q.headers['x-claude-code-request-class'] === 'main')
        .at(-1)!
        .body.toString();
      for (const id of [
        'toolu_fake_agent_0001',
        'toolu_fake_agent_0002',
        'toolu_fake_agent_0003',
        'toolu_fake_agent_0004',
      ])
        assert.match(last, id);
    },
  );
});

test.run();

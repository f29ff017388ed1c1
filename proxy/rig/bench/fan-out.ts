// Subagent fan-out against Z.AI's concurrency limit: 5 subagents × 10 streamed requests at once through
// the proxy with subagents offloaded, against a simulated Z.AI that takes 2 at once, side by side with
// the same burst sent only to Anthropic (subagents switched off live). Who answered is counted by the
// simulated Z.AI itself (its 200s), not by the proxy.
import { request } from 'undici';
import { setOffloadLive } from '../../ops/control-client.js';
import { readRunState } from '../../ops/run-state.js';
import type { FakeUpstream } from '../fake-upstream.js';
import type { Scenario } from './scenarios.js';
import { FAKE_ANTHROPIC_KEY } from '../rig.js';

const AGENTS = 5;
const TURNS = 10;
const ZAI_TAKES = 2;
const BODY = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  stream: true,
  messages: [{ role: 'user', content: 'fan out' }],
});

interface Burst {
  wall_ms: number;
  answered_by_zai: number;
  refused_by_zai: number;
  client_errors: number;
}

/** One burst: every agent's turns one after another, the agents at once; what each client received. */
async function burst(s: Scenario, zai: FakeUpstream): Promise<Burst> {
  const before = zai.requests.length;
  const d = s.clients.mitm(AGENTS);
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: AGENTS }, async (_, agent) => {
      for (let turn = 0; turn < TURNS; turn++) {
        const r = await request('https://api.anthropic.com/v1/messages', {
          dispatcher: d,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-api-key': FAKE_ANTHROPIC_KEY,
            'anthropic-version': '2023-06-01',
            'x-claude-code-agent-id': `a${String(agent).padStart(16, '0')}`,
            'x-claude-code-agent-type': 'general-purpose',
          },
          body: BODY,
        });
        const text = await r.body.text();
        if (r.statusCode !== 200 || !text.includes('message_stop')) errors++;
      }
    }),
  );
  const wall = performance.now() - t0;
  await d.close();
  const seen = zai.requests.slice(before);
  return {
    wall_ms: Math.round(wall),
    answered_by_zai: seen.filter((q) => q.status === 200).length,
    refused_by_zai: seen.filter((q) => q.status === 429).length,
    client_errors: errors,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export async function fanOutScenario(
  s: Scenario,
  zai: FakeUpstream,
  logsDir: string,
): Promise<Record<string, unknown>> {
  const state = readRunState(logsDir);
  if (!state) throw new Error('fan-out: the proxy under test wrote no state file');
  const rounds = s.quick ? 1 : 3;
  const saved = { a: { ...s.anthropic.opts }, z: { ...zai.opts } };
  for (const f of [s.anthropic, zai]) {
    f.opts.deltas = 8;
    f.opts.eventGapMs = 20;
  }
  zai.opts.maxConcurrent = ZAI_TAKES;
  s.say(
    `fan-out: ${AGENTS} subagents × ${TURNS} streamed requests, Z.AI takes ${ZAI_TAKES} at once; ${rounds} round(s), interleaved…`,
  );
  const offloaded: Burst[] = [];
  const anthropicOnly: Burst[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      await setOffloadLive(state, { subagents: true });
      offloaded.push(await burst(s, zai));
      await setOffloadLive(state, { subagents: false });
      anthropicOnly.push(await burst(s, zai));
    }
  } finally {
    s.anthropic.opts.deltas = saved.a.deltas;
    s.anthropic.opts.eventGapMs = saved.a.eventGapMs;
    Object.assign(zai.opts, saved.z);
    delete zai.opts.maxConcurrent;
  }
  const requests = AGENTS * TURNS;
  const share = median(offloaded.map((b) => b.answered_by_zai)) / requests;
  const ratio = median(offloaded.map((b) => b.wall_ms)) / median(anthropicOnly.map((b) => b.wall_ms));
  s.say(
    `fan-out: Z.AI answered ${Math.round(share * 100)} % (median of ${rounds}); wall ${median(offloaded.map((b) => b.wall_ms))} ms offloaded vs ${median(anthropicOnly.map((b) => b.wall_ms))} ms Anthropic only (${ratio.toFixed(2)}×); client errors ${offloaded.reduce((n, b) => n + b.client_errors, 0)}`,
  );
  return {
    agents: AGENTS,
    turns: TURNS,
    zai_takes: ZAI_TAKES,
    rounds,
    offloaded,
    anthropic_only: anthropicOnly,
    zai_share: Math.round(share * 1000) / 1000,
    wall_ratio: Math.round(ratio * 1000) / 1000,
    client_errors: [...offloaded, ...anthropicOnly].reduce((n, b) => n + b.client_errors, 0),
  };
}

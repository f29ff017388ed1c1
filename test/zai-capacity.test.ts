// Z.AI's concurrency limit is a per-request matter: a 1302 moves that one request to Anthropic and never
// cools the lane; the lane learns how many requests Z.AI takes at once and sends the rest to Anthropic at
// once (zai_busy). Oracles: what the simulated Z.AI answered (its own in-flight count decides), what the
// clients received, and figures computed by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZaiCapacity } from '../proxy/serve/lane/zai-capacity.js';
import { decide, type DecideInput } from '../proxy/serve/lane/decide.js';
import { summarizeLog } from '../proxy/read/reports.js';
import { announceRig, completions, message, npmRun, postMessages, proxyAgent, replyText, withRig } from './helpers.js';

test('learned limit: unknown until a refusal, then what Z.AI still ran beside it; grows by one after as many successes while full', () => {
  const c = new ZaiCapacity(undefined);
  assert.equal([c.limit, c.limitFrom, c.hasRoom()], [undefined, 'unknown', true]);
  for (let i = 0; i < 5; i++) c.acquire();
  // Z.AI took two; three are refused, each seen while it still holds its slot, then released.
  for (let i = 0; i < 3; i++) {
    c.refused();
    c.release();
  }
  assert.equal([c.inFlight, c.limit, c.limitFrom, c.refusals, c.hasRoom()], [2, 2, 'learned', 3, false]);
  c.keptOffOne();
  // Two successes at the limit: one slot more is tried.
  c.succeeded();
  c.release();
  c.succeeded();
  c.release();
  assert.equal([c.inFlight, c.limit, c.keptOff], [0, 3, 1]);
  // Without a full lane, successes do not grow it.
  for (let i = 0; i < 10; i++) {
    c.acquire();
    c.succeeded();
    c.release();
  }
  assert.is(c.limit, 3);
});

test('a set limit (CCP_ZAI_MAX_INFLIGHT) is the user’s: refusals and successes do not change it', () => {
  const c = new ZaiCapacity(4);
  assert.equal([c.limit, c.limitFrom], [4, 'set']);
  for (let i = 0; i < 4; i++) c.acquire();
  assert.is(c.hasRoom(), false);
  c.refused();
  c.succeeded();
  assert.equal([c.limit, c.refusals], [4, 1]);
});

const base: DecideInput = {
  method: 'POST',
  path: '/v1/messages',
  model: 'claude-sonnet-4-5',
  offload: { haiku: true, subagents: true, atPct: 0 },
  paused: false,
  hasZaiKey: true,
  zaiCoolingDown: false,
  subagent: 'Explore',
  fallback: true,
};

test('decide: a full lane keeps the request on Anthropic (zai_busy, with the count); with CCP_FALLBACK=0 it still goes to Z.AI', () => {
  const full = { hasRoom: false, inFlight: 2, limit: 2 };
  const d = decide({ ...base, zaiCapacity: full });
  assert.equal([d.lane, d.decision], ['anthropic', 'zai_busy']);
  assert.is(d.reason, 'subagent (Explore) claude-sonnet-4-5, z.ai lane full (2 of 2 in flight) → anthropic lane');
  const h = decide({ ...base, model: 'claude-haiku-4-5', subagent: undefined, zaiCapacity: full });
  assert.equal([h.lane, h.decision], ['anthropic', 'zai_busy']);
  assert.equal(decide({ ...base, zaiCapacity: full, fallback: false }).lane, 'zai');
  assert.equal(decide({ ...base, zaiCapacity: { ...full, hasRoom: true } }).decision, 'subagent_to_zai');
});

const SUBAGENT_HEADERS = (n: number) => ({
  'x-claude-code-session-id': 'c0ffee00-1111-4222-8333-944445555666',
  'x-claude-code-agent-id': `a${String(n).padStart(16, '0')}`,
  'x-claude-code-agent-type': 'general-purpose',
});

/** 5 subagents × 10 turns each, all at once, through the proxy: what each client got. */
async function fanOut(rig: Parameters<Parameters<typeof withRig>[1]>[0]) {
  const agent = proxyAgent(rig);
  const results: { status: number; text: string }[] = [];
  await Promise.all(
    [0, 1, 2, 3, 4].map(async (n) => {
      for (let turn = 0; turn < 10; turn++) {
        const r = await postMessages(agent, message('claude-sonnet-4-5', true), { headers: SUBAGENT_HEADERS(n) });
        results.push({ status: r.status, text: r.text });
      }
    }),
  );
  await agent.close();
  return results;
}

test('5 subagents × 10 requests against a Z.AI that takes 2 at once: ≥ 30 % answered by Z.AI, no error reaches a client, no cooldown', async () => {
  await withRig(
    {
      env: { CCP_OFFLOAD: 'haiku,subagents', CCP_ZAI_COOLDOWN_S: '300' },
      zai: { maxConcurrent: 2, deltas: 4, eventGapMs: 15 },
      anthropic: { deltas: 4, eventGapMs: 15 },
    },
    async (rig) => {
      const results = await fanOut(rig);
      assert.is(results.length, 50);
      // Every client got a whole answer from one upstream or the other.
      for (const r of results) {
        assert.is(r.status, 200, r.text);
        assert.match(replyText(r.text), /^ok from (zai|anthropic)-fake$/);
      }
      // What the simulated Z.AI itself answered 200 (its own count of requests in flight decides).
      const zaiAnswered = rig.zai.requests.filter((q) => q.status === 200).length;
      const fromZai = results.filter((r) => replyText(r.text) === 'ok from zai-fake').length;
      assert.is(fromZai, zaiAnswered, 'each Z.AI 200 reached a client');
      assert.ok(zaiAnswered / 50 >= 0.3, `Z.AI answered ${zaiAnswered} of 50`);
      assert.ok(
        rig.zai.peakInFlight <= 3,
        `Z.AI saw at most one probe beyond its limit (peak ${rig.zai.peakInFlight})`,
      );
      assert.is(rig.proxy.zaiLane.coolingDown(), false, 'a concurrency refusal never cools the lane');
      const lines = completions(rig).filter((c) => c.final);
      assert.is(lines.length, 50);
      const byDecision = (d: string) => lines.filter((l) => l.decision === d).length;
      assert.is(byDecision('cooldown'), 0);
      assert.is(byDecision('subagent_to_zai') + byDecision('zai_busy') + byDecision('fallback'), 50);
      // A refused request fell back with the cause on its line; the lane knows its limit.
      const busyFallbacks = lines.filter((l) => l.decision === 'fallback' && l.zai_failure === 'busy').length;
      assert.is(busyFallbacks, rig.zai.requests.filter((q) => q.status === 429).length);
      assert.equal([rig.proxy.zaiCapacity.limitFrom, rig.proxy.zaiCapacity.inFlight], ['learned', 0]);
      // summarize counts what stayed on Anthropic for capacity: every request Z.AI did not answer.
      const refused = rig.zai.requests.filter((q) => q.status === 429).length;
      const m = await summarizeLog(rig.proxy.logPath);
      assert.equal(m.client_requests.for_capacity, { kept_off: 50 - zaiAnswered - refused, refused });
      const shown = await npmRun('summarize', [], { CCP_LOGS_DIR: rig.config.logsDir });
      assert.match(
        String(shown.stdout),
        `z.ai full: ${50 - zaiAnswered} request(s) bound for Z.AI stayed on Anthropic for capacity (${50 - zaiAnswered - refused} kept off by the in-flight limit, ${refused} after a 1302 concurrency refusal)`,
      );
      assert.ok(rig.proxy.zaiCapacity.limit! >= 2, `limit ${rig.proxy.zaiCapacity.limit}`);
    },
  );
});

test('CCP_ZAI_MAX_INFLIGHT=2: Z.AI never sees a third request at once, and refuses none', async () => {
  await withRig(
    {
      env: { CCP_OFFLOAD: 'haiku,subagents', CCP_ZAI_MAX_INFLIGHT: '2' },
      zai: { maxConcurrent: 2, deltas: 4, eventGapMs: 15 },
    },
    async (rig) => {
      const results = await fanOut(rig);
      assert.ok(results.every((r) => r.status === 200));
      assert.is(rig.zai.peakInFlight <= 2, true, `peak ${rig.zai.peakInFlight}`);
      assert.is(rig.zai.requests.filter((q) => q.status === 429).length, 0);
      const zaiAnswered = rig.zai.requests.filter((q) => q.status === 200).length;
      assert.ok(zaiAnswered / 50 >= 0.3, `Z.AI answered ${zaiAnswered} of 50`);
      const status = (await (
        await fetch(`http://127.0.0.1:${rig.proxy.port}/__ccp/status`, {
          headers: { 'x-ccp-token': rig.proxy.controlToken },
        })
      ).json()) as { zai_inflight: { now: number; limit: number; from: string; kept_off: number } };
      assert.equal([status.zai_inflight.limit, status.zai_inflight.from], [2, 'set']);
      assert.is(status.zai_inflight.kept_off, 50 - zaiAnswered);
      // npm run status and npm run doctor say it in words (the state file names this process's proxy).
      announceRig(rig);
      const env = { CCP_LOGS_DIR: rig.config.logsDir };
      const want = `0 in flight, limit 2 (CCP_ZAI_MAX_INFLIGHT); since start 0 concurrency refusal(s), ${50 - zaiAnswered} request(s) kept on Anthropic for capacity`;
      assert.match(String((await npmRun('status', [], env)).stdout), `zai capacity ${want}`);
      assert.match(String((await npmRun('doctor', [], env)).stdout), want);
    },
  );
});

test('CCP_FALLBACK=0: a 1302 reaches the client as Z.AI gave it, and the lane does not cool down', async () => {
  await withRig({ env: { CCP_FALLBACK: '0' }, zai: { maxConcurrent: 0 } }, async (rig) => {
    const agent = proxyAgent(rig);
    const r = await postMessages(agent, message('claude-haiku-4-5', false));
    await agent.close();
    assert.is(r.status, 429);
    assert.match(r.text, '1302');
    assert.is(rig.anthropic.requests.length, 0);
    assert.is(rig.proxy.zaiLane.coolingDown(), false);
  });
});

test.run();

// Offload when it is needed (CCP_OFFLOAD_AT_PCT): a subagent moves to Z.AI only while the Anthropic
// subscription's busiest window is at or above the threshold. The simulated Anthropic reports its windows
// in the unified rate-limit headers of its answers to subscription requests, rising during the session;
// where each subagent request went is read from what each simulated upstream received.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unifiedRateLimitHeaders } from '../proxy/rig/rig.js';
import { usageLogPath } from '../proxy/common/logs-layout.js';
import { announceRig, completions, jsonLines, message, npmRun, postMessages, proxyAgent, withRig } from './helpers.js';

const OAUTH = { authorization: 'Bearer sk-ant-oat01-threshold-subscription-0123456789' };
const SUBAGENT = {
  ...OAUTH,
  'x-claude-code-session-id': 'c0ffee00-1111-4222-8333-944445555666',
  'x-claude-code-agent-id': 'a1b2c3d4e5f6a7b8c',
  'x-claude-code-agent-type': 'Explore',
};

/** The windows as the simulated Anthropic will report them next: 5h and 7d utilization (0–1). */
function windows(fiveHour: number, sevenDay: number): Record<string, string> {
  return {
    ...unifiedRateLimitHeaders(),
    'anthropic-ratelimit-unified-5h-utilization': String(fiveHour),
    'anthropic-ratelimit-unified-7d-utilization': String(sevenDay),
  };
}

test('subagents stay below the threshold (window and N named), move at or above it, follow the window as it rises, and a live --at switch is a run line', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents', CCP_OFFLOAD_AT_PCT: '70' } }, async (rig) => {
    const agent = proxyAgent(rig);
    const sub = async (id: string) => {
      const zaiBefore = rig.zai.requests.length;
      const anthBefore = rig.anthropic.requests.length;
      const r = await postMessages(agent, message('claude-sonnet-4-5', false), {
        headers: { ...SUBAGENT, 'x-client-request-id': id },
      });
      assert.is(r.status, 200, r.text);
      const where =
        rig.zai.requests.length > zaiBefore ? 'zai' : rig.anthropic.requests.length > anthBefore ? 'anthropic' : '?';
      const line = completions(rig).find((c) => c.client_request_id === id)!;
      return { where, decision: line.decision, reason: line.reason };
    };
    const main = async (w: Record<string, string>) => {
      rig.anthropic.opts.unifiedRateLimit = w;
      assert.is((await postMessages(agent, message('claude-sonnet-4-5', false), { headers: OAUTH })).status, 200);
    };

    // No Anthropic answer yet: not known counts as below.
    assert.equal(await sub('s-1'), {
      where: 'anthropic',
      decision: 'below_threshold',
      reason:
        'subagent (Explore) claude-sonnet-4-5, anthropic window not known yet < 70 % (CCP_OFFLOAD_AT_PCT) → anthropic lane',
    });
    // The subscription at 42 % / 17 %: the busiest is the 5h window, below 70.
    await main(windows(0.42, 0.17));
    assert.equal(await sub('s-2'), {
      where: 'anthropic',
      decision: 'below_threshold',
      reason: 'subagent (Explore) claude-sonnet-4-5, anthropic 5h at 42 % < 70 % (CCP_OFFLOAD_AT_PCT) → anthropic lane',
    });
    // The week fills: 7d at 71 % is the busiest now, at or above 70: the subagent moves.
    await main(windows(0.5, 0.71));
    const moved = await sub('s-3');
    assert.equal([moved.where, moved.decision], ['zai', 'subagent_to_zai']);
    assert.match(moved.reason!, 'anthropic 7d at 71 % ≥ 70 %');
    // Haiku is unchanged by the threshold.
    await postMessages(agent, message('claude-haiku-4-5', false), { headers: { 'x-client-request-id': 'h-1' } });
    assert.is(completions(rig).find((c) => c.client_request_id === 'h-1')!.decision, 'forced_model');

    // Live: --at 90 keeps the next one on Anthropic, and the switch is a run line with the policy in force.
    assert.equal(await rig.control('/__ccp/offload?at=90'), { offload: 'haiku,subagents', at_pct: 90 });
    assert.equal((await sub('s-4')).decision, 'below_threshold');
    const runs = jsonLines<{ event: string; offload_at_pct?: number }>(usageLogPath(rig.config.logsDir)).filter(
      (l) => l.event === 'run',
    );
    assert.equal(
      runs.map((r) => r.offload_at_pct),
      [70, 90],
    );

    // npm run status says the threshold against the window now; verify passes.
    announceRig(rig);
    const env = { CCP_LOGS_DIR: rig.config.logsDir };
    const status = await npmRun('status', [], env);
    assert.match(
      String(status.stdout),
      'threshold    subagents move at 90 % (CCP_OFFLOAD_AT_PCT; npm run offload -- --at N): anthropic 7d at 71 % → staying on anthropic',
    );
    const sum = await npmRun('summarize', [], { ...env, CCP_RESULTS_DIR: rig.config.resultsDir });
    assert.match(
      String(sum.stdout),
      'below threshold: 3 subagent request(s) stayed on Anthropic while its window was under CCP_OFFLOAD_AT_PCT',
    );
    const verify = await npmRun('verify-routing', ['--grace', '0'], env);
    assert.is(verify.exitCode, 0, String(verify.stdout));
    await agent.close();
  });
});

test('a below_threshold line while no threshold was in force is a violation', async () => {
  await withRig({ env: { CCP_OFFLOAD: 'haiku,subagents' } }, async (rig) => {
    const agent = proxyAgent(rig);
    await postMessages(agent, message('claude-sonnet-4-5', false), { headers: SUBAGENT });
    await agent.close();
    const [line] = completions(rig);
    // Planted: the same line claiming the threshold kept it, under a run line with none.
    const { appendFileSync } = await import('node:fs');
    appendFileSync(
      rig.proxy.logPath,
      `${JSON.stringify({ ...line, rid: 'planted', lane: 'anthropic', upstream: new URL(rig.anthropic.baseUrl).host, decision: 'below_threshold' })}\n`,
    );
    const v = await npmRun('verify-routing', ['--grace', '0'], { CCP_LOGS_DIR: rig.config.logsDir });
    assert.is(v.exitCode, 1, String(v.stdout));
    assert.match(
      String(v.stdout),
      /FAIL {2}subagents on the z\.ai lane while the policy moves them.*\[rids: planted\]/,
    );
  });
});

test.run();

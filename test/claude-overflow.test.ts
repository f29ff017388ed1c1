// The real Claude Code CLI at the subscription's limit: the simulated Anthropic answers 429 with the unified
// status rejected, as Anthropic does when the 5-hour window is spent. Without CCP_OVERFLOW the CLI shows
// the refusal as it came; with CCP_OVERFLOW=main the session goes on, answered by Z.AI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startRig, subscriptionSpent } from '../proxy/rig/rig.js';
import { ensureClaude, OAUTH_TOKEN, runClaude } from './claude.js';

test.before(async () => {
  await ensureClaude();
});

for (const overflow of [false, true]) {
  test(`Claude Code 2.1.337 on a spent subscription, CCP_OVERFLOW ${overflow ? '=main: answered by Z.AI' : 'unset: the refusal, as Anthropic gave it'}`, async () => {
    const rig = await startRig({ env: overflow ? { CCP_OVERFLOW: 'main' } : {} });
    try {
      rig.anthropic.fault = subscriptionSpent(Date.now() + 3600_000);
      const run = await runClaude(rig, 'sonnet', { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN });
      const out = `${run.stdout}${run.stderr}`;
      if (overflow) {
        assert.is(run.exitCode, 0, out);
        const r = JSON.parse(String(run.stdout)) as { result: string; is_error: boolean };
        assert.equal([r.is_error, r.result], [false, 'ok from zai-fake']);
      } else {
        assert.ok(run.exitCode !== 0 || out.includes('"is_error":true'), out);
        assert.match(out, /limit/i, 'the CLI tells the user it hit the limit');
        assert.is(rig.zai.requests.filter((q) => q.url.includes('/v1/messages')).length, 0);
      }
    } finally {
      await rig.stop();
    }
  });
}

test.run();

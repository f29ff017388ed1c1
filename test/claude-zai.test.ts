// The real Claude Code CLI through the proxy while the simulated Z.AI fails the ways the real one does:
// nothing a Z.AI problem does may look, to Claude Code, like an Anthropic problem or hang it.
import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bodyTeePath, teeFlagPath } from '../proxy/common/logs-layout.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startRig, type Rig } from '../proxy/rig/rig.js';
import type { UsageRecord } from '../proxy/common/log-schema.js';
import { claude, ensureClaude, messagesRequests, runClaude } from './claude.js';
import { announceRig, completions, eventually, npmRun, jsonLines } from './helpers.js';

const KEY = { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY };
let rig: Rig;

test.before(async () => {
  await ensureClaude();
});

// Each test gets a fresh proxy: what one Z.AI failure taught the lane (a cooldown, a header mode) is its own.
test.before.each(async () => {
  rig = await startRig({
    env: { ENABLE_BODY_TEE: '1', CCP_ZAI_COOLDOWN_S: '60', CCP_ZAI_LONG_COOLDOWN_S: '600' },
    zai: { requireKey: { value: FAKE_ZAI_KEY, header: 'either' }, strictSchema: undefined },
  });
});

test.after.each(async () => {
  await rig?.stop();
});

/** The /v1/messages completion lines written since `before`, once the last request's final line is in. */
async function messageLines(before: number): Promise<UsageRecord[]> {
  await eventually(
    () =>
      completions(rig)
        .slice(before)
        .some((c) => c.path === '/v1/messages' && c.final),
    5000,
    'a final /v1/messages line',
  );
  return completions(rig)
    .slice(before)
    .filter((c) => c.path === '/v1/messages');
}

test('a Z.AI key rejected in both header modes: answered by Anthropic, no login error, the next haiku call goes straight to Anthropic', async () => {
  rig.zai.opts.requireKey = { value: 'a-key-the-proxy-does-not-have', header: 'either' };
  const before = completions(rig).length;
  const run = await runClaude(rig, 'haiku', KEY);
  const out = `${run.stdout}${run.stderr}`;
  assert.is(run.exitCode, 0, out);
  const answer = JSON.parse(String(run.stdout)) as { result: string; is_error: boolean };
  assert.is(answer.result, 'ok from anthropic-fake');
  assert.is(answer.is_error, false);
  // What the user is told, not digits anywhere: session ids and durations may contain "401" by chance.
  assert.not.match(`${answer.result}\n${run.stderr}`, /\b401\b|log ?in|authentication_error|Invalid API key/i);
  assert.is(messagesRequests(rig.zai).length, 2, 'both header modes tried once');
  const lines = await messageLines(before);
  assert.equal(
    lines.map((l) => [l.lane, l.status, l.final]),
    [
      ['zai', 401, false],
      ['zai', 401, false],
      ['anthropic', 200, true],
    ],
  );
  // The next haiku call: cooldown (auth), not one more Z.AI request.
  const next = await claude(rig, 'haiku', KEY);
  assert.is(next.result, 'ok from anthropic-fake');
  assert.is(messagesRequests(rig.zai).length, 2);
  const [c] = (await messageLines(before + lines.length)).slice(-1);
  assert.equal([c!.lane, c!.decision, c!.cooldown_reason], ['anthropic', 'cooldown', 'auth']);
});

test('CCP_FALLBACK=0 with a rejected Z.AI key: the CLI shows an error naming Z.AI, never a 401', async () => {
  rig.config.fallback = false;
  rig.zai.opts.requireKey = { value: 'a-key-the-proxy-does-not-have', header: 'either' };
  const run = await runClaude(rig, 'haiku', KEY);
  const out = `${run.stdout}${run.stderr}`;
  assert.ok(run.exitCode !== 0 || /"is_error":true/.test(out), `the CLI reported success: ${out}`);
  assert.match(out, 'Z.AI rejected the Z.AI key');
  assert.match(out, '502');
  assert.not.match(out, /\b401\b|\b403\b/);
  assert.is(messagesRequests(rig.anthropic).length, 0);
});

test('a 429 whose body stalls: the CLI’s answer arrives within the idle bound (from Anthropic)', async () => {
  rig.config.idleTimeoutMs = 1500;
  rig.zai.fault = { zaiCode: 1302, stallBody: true };
  const before = completions(rig).length;
  const t0 = Date.now();
  const out = await claude(rig, 'haiku', KEY);
  const took = Date.now() - t0;
  assert.is(out.result, 'ok from anthropic-fake');
  const [z, a] = await messageLines(before);
  assert.equal([z!.lane, z!.status, z!.err_type, a!.decision], ['zai', 429, 'timeout', 'fallback']);
  assert.ok(z!.latency_ms! >= 1400 && z!.latency_ms! < 5000, `the z.ai attempt lasted ${z!.latency_ms} ms`);
  assert.ok(took < 30_000, `claude took ${took} ms`);
});

test('a strict Z.AI: the haiku call is answered by Z.AI at the first attempt, without the first-party fields; sonnet reaches Anthropic byte for byte', async () => {
  rig.zai.opts.strictSchema = 'first';
  writeFileSync(teeFlagPath(rig.config.logsDir), '');
  const before = completions(rig).length;
  const haiku = await claude(rig, 'haiku', KEY);
  assert.is(haiku.result, 'ok from zai-fake');
  const lines = await messageLines(before);
  // No refusal to recover from: the proxy sent Z.AI the third-party shape it knows.
  assert.equal(
    lines.map((l) => [l.lane, l.status, l.final, l.zai_dropped_fields]),
    lines.map(() => ['zai', 200, true, undefined]),
  );
  const sent = JSON.parse(messagesRequests(rig.zai).at(-1)!.body.toString()) as Record<string, unknown>;
  assert.not.ok('diagnostics' in sent, 'the first-party diagnostics field never reaches Z.AI');
  assert.ok('messages' in sent && 'system' in sent && 'tools' in sent, 'the rest of the body is kept');
  assert.ok('context_management' in sent, 'a third-party field is kept');

  const sonnet = await claude(rig, 'sonnet', KEY);
  assert.is(sonnet.result, 'ok from anthropic-fake');
  const sLine = (await messageLines(before + lines.length)).at(-1)!;
  // The body tee has what the client sent; the fake has what reached Anthropic: the same bytes.
  const teed = jsonLines<{ rid: string; body: string }>(bodyTeePath(rig.config.logsDir));
  const clientBody = teed.find((t) => t.rid === sLine.rid)!.body;
  const received = messagesRequests(rig.anthropic).at(-1)!.body.toString();
  assert.ok(JSON.parse(clientBody).context_management !== undefined, 'the CLI sent context_management');
  assert.is(received, clientBody);
});

test('Z.AI-shaped usage (input and cache tokens only in message_delta): exact tokens in the log and in the CLI', async () => {
  rig.zai.opts.usage = { input_tokens: 3210, output_tokens: 54, cache_read_input_tokens: 987 };
  try {
    const before = completions(rig).length;
    const out = await claude(rig, 'haiku', KEY);
    const [c] = await messageLines(before);
    assert.equal(
      [c!.input_tokens, c!.output_tokens, c!.cache_read_input_tokens, c!.cache_creation_input_tokens],
      [3210, 54, 987, undefined],
    );
    assert.equal(
      [out.usage!.input_tokens, out.usage!.output_tokens, out.usage!.cache_read_input_tokens],
      [3210, 54, 987],
    );
  } finally {
    rig.zai.opts.usage = undefined;
  }
});

test('a 1310 weekly cap: fallback, and npm run status -- --json shows the cooldown until the reset time', async () => {
  const reset = new Date(Date.now() + 26 * 3600_000);
  reset.setUTCMilliseconds(0);
  rig.zai.fault = { zaiCode: 1310, resetAt: reset };
  const out = await claude(rig, 'haiku', KEY);
  assert.is(out.result, 'ok from anthropic-fake');
  announceRig(rig);
  const s = await npmRun('status', ['--json'], { CCP_LOGS_DIR: rig.config.logsDir });
  const j = JSON.parse(String(s.stdout)) as { zai_cooldown_until: string; zai_cooldown_reason: string };
  assert.equal([j.zai_cooldown_reason, j.zai_cooldown_until], ['quota', reset.toISOString()]);
});

test.run();

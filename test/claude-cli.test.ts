// The real Claude Code CLI through the proxy, offline against the fake upstreams (test/claude.ts
// installs the pinned CLI on first run).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startRig, type Rig } from '../proxy/rig/rig.js';
import {
  CLAUDE,
  OAUTH_TOKEN,
  claude as claudeIn,
  ensureClaude,
  messagesRequests,
  runClaude as runClaudeIn,
} from './claude.js';
import { announceRig, completions, eventually, npmRun } from './helpers.js';

let rig: Rig;
const claude = (model: string, credential: Record<string, string>) => claudeIn(rig, model, credential);
const runClaude = (model: string, credential: Record<string, string>) => runClaudeIn(rig, model, credential);

test.before(async () => {
  await ensureClaude();
  rig = await startRig();
});

test.after(async () => {
  await rig?.stop();
});

test.before.each(() => {
  rig.anthropic.reset();
  rig.zai.reset();
});

test('claude -p --model haiku (API key) is answered via the z.ai lane with the z.ai key only', async () => {
  const before = completions(rig).length;
  const out = await claude('haiku', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
  assert.is(out.is_error, false);
  assert.is(out.result, 'ok from zai-fake');
  const zai = messagesRequests(rig.zai);
  assert.ok(zai.length >= 1);
  for (const q of zai) {
    assert.ok(q.url.startsWith('/api/anthropic/v1/messages'), q.url);
    assert.is(q.headers['x-api-key'], FAKE_ZAI_KEY);
    assert.not.match(JSON.stringify(q.headers), /sk-ant/);
  }
  assert.is(messagesRequests(rig.anthropic).length, 0, 'no messages call reached anthropic');
  await eventually(() => completions(rig).length > before);
  const c = completions(rig)
    .filter((r) => r.path === '/v1/messages')
    .pop()!;
  assert.equal([c.lane, c.decision, c.status, c.op], ['zai', 'forced_model', 200, 'stream']);
  assert.match(c.model ?? '', /haiku/);
  assert.is(c.input_tokens, out.usage?.input_tokens);
  assert.is(c.output_tokens, out.usage?.output_tokens);
});

test('claude -p --model sonnet (API key) is answered via the anthropic lane with the client’s own key', async () => {
  const out = await claude('sonnet', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
  assert.is(out.is_error, false);
  assert.is(out.result, 'ok from anthropic-fake');
  const anth = messagesRequests(rig.anthropic);
  assert.ok(anth.length >= 1);
  for (const q of anth) {
    assert.is(q.headers['x-api-key'], FAKE_ANTHROPIC_KEY);
    assert.not.match(JSON.stringify(q.headers), FAKE_ZAI_KEY);
  }
  assert.is(messagesRequests(rig.zai).length, 0);
});

test('subscription OAuth: sonnet carries the bearer to anthropic; haiku reaches z.ai without it', async () => {
  const sonnet = await claude('sonnet', { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN });
  assert.is(sonnet.result, 'ok from anthropic-fake');
  const anth = messagesRequests(rig.anthropic);
  assert.ok(anth.length >= 1);
  for (const q of anth) {
    assert.is(q.headers.authorization, `Bearer ${OAUTH_TOKEN}`);
    assert.match(String(q.headers['anthropic-beta']), 'oauth-');
  }
  const haiku = await claude('haiku', { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN });
  assert.is(haiku.result, 'ok from zai-fake');
  for (const q of messagesRequests(rig.zai)) {
    assert.not.match(JSON.stringify(q.headers), OAUTH_TOKEN);
    assert.not.match(String(q.headers['anthropic-beta'] ?? ''), 'oauth-');
    assert.is(q.headers['x-api-key'], FAKE_ZAI_KEY);
  }
  // Every other call the CLI made (settings, policy limits) went to anthropic, never to z.ai.
  assert.ok(rig.zai.requests.every((q) => q.url.includes('/v1/messages')));
});

test('pause flips the CLI’s haiku to anthropic on the next run, without a restart', async () => {
  await rig.control('/__ccp/pause');
  try {
    const out = await claude('haiku', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
    assert.is(out.result, 'ok from anthropic-fake');
    await eventually(() => completions(rig).some((c) => c.decision === 'failover_paused'));
  } finally {
    await rig.control('/__ccp/resume');
  }
});

test('z.ai 429 (code 1302, its concurrency limit) → the CLI is answered by the anthropic fake, is_error false, and the lane does not cool down', async () => {
  rig.zai.fault = { status: 429, body: { error: { code: '1302', message: 'High concurrency usage of this API' } } };
  try {
    const out = await claude('haiku', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
    assert.is(out.is_error, false);
    assert.is(out.result, 'ok from anthropic-fake');
    await eventually(() => completions(rig).some((c) => c.decision === 'fallback'));
    const fb = completions(rig)
      .filter((c) => c.decision === 'fallback')
      .pop()!;
    assert.equal([fb.lane, fb.fallback_from, fb.status, fb.zai_failure], ['anthropic', 'zai', 200, 'busy']);
    assert.is(rig.proxy.zaiLane.coolingDown(), false);
  } finally {
    rig.zai.fault = undefined;
  }
});

test('z.ai 401 in one header mode → the CLI succeeds in the other', async () => {
  rig.zai.opts.requireKey = { value: FAKE_ZAI_KEY, header: 'authorization' };
  assert.is(rig.proxy.zaiLane.headerMode, 'x-api-key');
  try {
    const out = await claude('haiku', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
    assert.is(out.is_error, false);
    assert.is(out.result, 'ok from zai-fake');
    await eventually(() => completions(rig).some((c) => c.retry === true && c.status === 200));
    assert.is(rig.proxy.zaiLane.headerMode, 'authorization');
  } finally {
    // Bearer sticks for the rest of this proxy's run; the simulated Z.AI takes either from now on.
    rig.zai.opts.requireKey = { value: FAKE_ZAI_KEY, header: 'either' };
  }
});

test('HTTPS_PROXY with the https scheme: Claude Code fails on the proxy’s own certificate, as doctor says (name constraint), and nothing is sent', async () => {
  const before = rig.anthropic.requests.length;
  const run = await runClaudeIn(
    rig,
    'sonnet',
    { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY },
    {
      HTTPS_PROXY: rig.proxyUrl.replace('http:', 'https:'),
    },
  );
  assert.ok(run.exitCode !== 0, String(run.stdout));
  assert.match(String(run.stdout) + String(run.stderr), 'PERMITTED_VIOLATION');
  assert.is(rig.anthropic.requests.length, before);
});

test('mid-stream reset → the CLI reports an error instead of a truncated answer', async () => {
  rig.anthropic.reset();
  rig.anthropic.fault = { resetAfterEvents: 6 };
  try {
    const run = await runClaude('sonnet', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
    const out = String(run.stdout);
    let parsed: { is_error?: boolean; result?: string } = {};
    try {
      parsed = JSON.parse(out);
    } catch {
      // a non-JSON failure report is an error report too
    }
    // Every answer the fake gives is cut mid-response (the CLI retries a failed stream as a plain request).
    assert.ok(rig.anthropic.requests.filter((q) => q.url.startsWith('/v1/messages')).length >= 1);
    assert.ok(run.exitCode !== 0 || parsed.is_error === true, `the CLI reported success: ${out}`);
    assert.is.not(parsed.result, 'ok from anthropic-fake');
    assert.not.match(out, '"is_error":false');
    await eventually(() => completions(rig).some((c) => c.err_type === 'stream_error' && c.lane === 'anthropic'));
  } finally {
    rig.anthropic.fault = undefined;
  }
});

test('npm run prove: real claude through the running proxy, answers matched to log lines, verify PASS', async () => {
  const home = mkdtempSync(join(tmpdir(), 'ccp-prove-home-'));
  // The rig's proxy runs in this process: the state file names this pid, which its status endpoint reports.
  announceRig(rig);
  const env = {
    CCP_LOGS_DIR: rig.config.logsDir,
    HOME: home,
    ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    CCP_RESULTS_DIR: join(home, 'results'),
  };
  try {
    const r = await npmRun('prove', ['--claude', CLAUDE], env, { timeout: 240_000 });
    assert.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
    const out = String(r.stdout);
    assert.match(out, 'answer: "ok from zai-fake"');
    assert.match(out, 'answer: "ok from anthropic-fake"');
    assert.match(out, /log: claude-haiku[^ ]* → zai 200 \(forced_model\) rid [0-9a-f]{8}/);
    assert.match(out, /log: claude-sonnet[^ ]* → anthropic 200 \(pass_through\) rid [0-9a-f]{8}/);
    assert.match(out, 'prove: PASS');
    // The real CLI's run is on file, and the pilot's report points at it.
    const report = readFileSync(join(home, 'results', 'PROVE.md'), 'utf8');
    assert.match(report, 'Verdict: **PASS**');
    assert.match(report, /\| haiku \| answered \| claude-haiku[^|]* \| zai \| 200 \| forced_model \| [0-9a-f]{8} \|/);
    assert.match(
      report,
      /\| sonnet \| answered \| claude-sonnet[^|]* \| anthropic \| 200 \| pass_through \| [0-9a-f]{8} \|/,
    );
    const pilot = await npmRun('pilot', [], { ...env, CCP_LOGS_DIR: join(home, 'pilot-logs') }, { timeout: 120_000 });
    assert.is(pilot.exitCode, 0, String(pilot.stdout));
    assert.match(
      readFileSync(join(home, 'results', 'TESTS.md'), 'utf8'),
      /Real Claude Code CLI through the running proxy: \*\*PASS\*\* on \S+ \(`npm run prove`, details in PROVE\.md\)/,
    );
    const missing = await npmRun('prove', ['--claude', join(home, 'no-such-claude')], env);
    assert.is(missing.exitCode, 2);
    assert.match(String(missing.stderr), 'claude is not installed');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const down = await npmRun('prove', [], { CCP_LOGS_DIR: join(rig.dir, 'no-proxy-here') });
  assert.is(down.exitCode, 2);
  assert.match(String(down.stderr), 'the proxy is not running');
});

test.run();

// The proxy as a separate process (npm run mitm) through a fault run: nothing it writes anywhere carries
import { pidFilePath, usageLogPath } from '../proxy/common/logs-layout.js';
// a key or token, and a SIGKILL mid-request still leaves the decision line on disk.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProxyAgent, fetch } from 'undici';
import { freePort, startProxyProcess } from '../proxy/rig/proxy-process.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startFakes } from '../proxy/rig/rig.js';
import { isAlive, readRunState } from '../proxy/ops/run-state.js';
import { eventually, message, npmRun, postMessages, within, jsonLines } from './helpers.js';

const OAUTH = 'sk-ant-oat01-durability-oauth-token-777777';

test('fault run through npm run mitm: no secret in console or logs; SIGKILL mid-stream leaves the decision line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccp-durable-'));
  const fakes = await startFakes(dir, {
    zai: { requireKey: { value: FAKE_ZAI_KEY, header: 'authorization' } },
    anthropic: { eventGapMs: 100, deltas: 30 },
  });
  const port = await freePort();
  const env: Record<string, string> = {
    ...fakes.env,
    MITM_PORT: String(port),
    CCP_ENV_FILE: join(dir, 'sub-env.sh'),
    CCP_ZAI_COOLDOWN_S: '0',
  };
  const logsDir = env.CCP_LOGS_DIR!;
  const mitm = await startProxyProcess(env, { viaNpm: true, readyTimeoutMs: 20_000, lifetimeMs: 120_000 });
  const child = mitm.child;
  try {
    const state = readRunState(logsDir)!;
    const agent = new ProxyAgent({
      uri: `http://127.0.0.1:${port}`,
      requestTls: { ca: [readFileSync(state.ca_cert, 'utf8')] },
    });
    const haikuWithOauth = () =>
      within(
        10_000,
        postMessages(agent, message('claude-haiku-4-5', true), { headers: { authorization: `Bearer ${OAUTH}` } }),
      );
    try {
      // 401 → header-mode retry; then 500 → fallback; sonnet with OAuth; a malformed request.
      assert.is((await haikuWithOauth()).status, 200);
      fakes.zai.fault = { status: 500 };
      assert.is((await haikuWithOauth()).status, 200);
      fakes.zai.fault = undefined;
      assert.is(
        (
          await within(
            10_000,
            postMessages(agent, message('claude-sonnet-4-5', false), {
              headers: { 'x-api-key': '', authorization: `Bearer ${OAUTH}` },
            }),
          )
        ).status,
        200,
      );
      await new Promise<void>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () =>
          s.write('POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n'),
        );
        s.on('close', () => resolve());
        s.on('error', () => resolve());
        s.resume();
      });
      // A long stream in flight when the proxy is killed.
      const res = await fetch('https://api.anthropic.com/v1/messages', {
        dispatcher: agent,
        method: 'POST',
        headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(message('claude-opus-4-1', true)),
      });
      const reader = res.body!.getReader();
      await reader.read();
      process.kill(state.pid, 'SIGKILL');
      await eventually(() => !isAlive(state.pid), 5000, 'proxy dead');
      await reader.read().then(
        () => undefined,
        () => undefined,
      );
    } finally {
      await agent.close().catch(() => undefined);
    }
    await within(10_000, child);

    const lines = jsonLines<{ event: string; rid: string; model?: string }>(usageLogPath(logsDir));
    const done = new Set(lines.filter((l) => l.event === 'complete').map((l) => l.rid));
    const open = lines.filter((l) => l.event === 'decision' && !done.has(l.rid));
    assert.equal(
      open.map((l) => l.model),
      ['claude-opus-4-1'],
      'the killed request shows as a decision without completion',
    );
    const verify = await npmRun('verify-routing', ['--grace', '0', '--expect', 'haiku=zai'], { CCP_LOGS_DIR: logsDir });
    assert.is(verify.exitCode, 1);
    assert.match(
      String(verify.stdout),
      `FAIL  every decision has a completion (grace 0s): 1 decision(s) never completed [rids: ${open[0]!.rid}]`,
    );
    // The next start closes it, naming the pid that died; the evidence then passes and names it.
    const again = await startProxyProcess(env, { readyTimeoutMs: 20_000, lifetimeMs: 60_000 });
    try {
      const closed = jsonLines<{ event: string; rid: string; err_type?: string; error?: string; final?: boolean }>(
        usageLogPath(logsDir),
      ).filter((l) => l.rid === open[0]!.rid && l.event === 'complete');
      assert.equal(
        closed.map((l) => [l.err_type, l.final]),
        [['proxy_died', true]],
      );
      assert.match(closed[0]!.error!, `the proxy (pid ${state.pid}) stopped with this request in flight`);
      const after = await npmRun('verify-routing', ['--grace', '0', '--expect', 'haiku=zai'], {
        CCP_LOGS_DIR: logsDir,
      });
      // (The malformed request above still fails its own check; the killed one no longer fails any.)
      assert.match(String(after.stdout), /PASS {2}every decision has a completion \(grace 0s\)/);
      assert.match(
        String(after.stdout),
        `PASS  requests a proxy that died left in flight were closed at the next start: 1 request(s) ended when their proxy died (kill -9, a crash): err_type proxy_died [rids: ${open[0]!.rid}]`,
      );
    } finally {
      await again.stop();
    }
    // A second restart finds nothing left open: no line is closed twice.
    const third = await startProxyProcess(env, { readyTimeoutMs: 20_000, lifetimeMs: 60_000 });
    await third.stop();
    assert.is(
      jsonLines<{ err_type?: string }>(usageLogPath(logsDir)).filter((l) => l.err_type === 'proxy_died').length,
      1,
    );

    // Everything the proxy wrote: console output and every file in its logs directory.
    const written = [mitm.output(), ...readdirSync(logsDir).map((f) => readFileSync(join(logsDir, f), 'utf8'))].join(
      '\n',
    );
    assert.ok(lines.length >= 10 && mitm.output().includes('fallback'), 'the fault run happened');
    for (const secret of [FAKE_ZAI_KEY, FAKE_ANTHROPIC_KEY, OAUTH, 'sk-ant-'])
      assert.not.match(written, secret, `${secret} was written`);
  } finally {
    if (child.pid && isAlive(child.pid)) child.kill('SIGKILL');
    await fakes.anthropic.stop();
    await fakes.zai.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a clean stop (Ctrl-C = SIGINT, SIGTERM as npm run stop sends, SIGHUP when its terminal closes) ends a stream in flight with a shutdown completion line and leaves no pid file', async () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'ccp-shutdown-'));
    const fakes = await startFakes(dir, { anthropic: { eventGapMs: 200, deltas: 50 } });
    const port = await freePort();
    const env: Record<string, string> = {
      ...fakes.env,
      MITM_PORT: String(port),
      CCP_ENV_FILE: join(dir, 'sub-env.sh'),
    };
    const mitm = await startProxyProcess(env, { readyTimeoutMs: 20_000, lifetimeMs: 60_000 });
    const agent = new ProxyAgent({
      uri: `http://127.0.0.1:${port}`,
      requestTls: { ca: [readFileSync(join(env.CCP_CA_DIR!, 'ca.pem'), 'utf8')] },
    });
    try {
      const res = await fetch('https://api.anthropic.com/v1/messages', {
        dispatcher: agent,
        method: 'POST',
        headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(message('claude-sonnet-4-5', true)),
      });
      const reader = res.body!.getReader();
      await reader.read();
      process.kill(mitm.pid, signal);
      const ended = await within(10_000, mitm.child);
      assert.is(ended.exitCode, 0, `${signal}: ${mitm.output()}`);
      await reader.read().then(
        () => undefined,
        () => undefined,
      );
      const lines = jsonLines<{ event: string; rid: string; err_type?: string; final?: boolean }>(
        usageLogPath(env.CCP_LOGS_DIR!),
      );
      const decided = lines.filter((l) => l.event === 'decision');
      const done = lines.filter((l) => l.event === 'complete');
      assert.is(decided.length, 1, signal);
      assert.equal(
        done.map((l) => [l.rid, l.err_type, l.final]),
        [[decided[0]!.rid, 'shutdown', true]],
        signal,
      );
      assert.not.ok(existsSync(pidFilePath(env.CCP_LOGS_DIR!)), `${signal}: the pid file is gone`);
    } finally {
      await agent.close().catch(() => undefined);
      await mitm.stop();
      await fakes.anthropic.stop();
      await fakes.zai.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test.run();

// Start-time toggles that need their own proxy: MITM_FORCE_H1, MITM_FILTER_CHAIN, the body tee,
// FORCE_HAIKU_TO_ZAI=0, OFFLOAD_PAUSED=1 and a missing Z.AI key.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { FAKE_ANTHROPIC_KEY, startRig, type Rig } from '../proxy/rig/rig.js';
import { bodyTeePath, teeFlagPath } from '../proxy/common/logs-layout.js';
import { completions, eventually, logLines, message, postMessages, proxyAgent, within, jsonLines } from './helpers.js';

async function withRig(env: Record<string, string>, fn: (rig: Rig) => Promise<void>): Promise<void> {
  const rig = await startRig({ env });
  try {
    await fn(rig);
  } finally {
    await rig.stop();
  }
}

async function send(rig: Rig, model: string, path?: string) {
  const agent = proxyAgent(rig);
  try {
    return await within(10_000, postMessages(agent, message(model, false), path ? { path } : {}));
  } finally {
    await agent.close();
  }
}

test('MITM_FORCE_H1=1: a client asking for HTTP/2 gets HTTP/1.1', async () => {
  await withRig({ MITM_FORCE_H1: '1' }, async (rig) => {
    const r = await execa(
      'curl',
      [
        '-sS',
        '--http2',
        '--max-time',
        '10',
        '--proxy',
        rig.proxyUrl,
        '--cacert',
        rig.proxy.ca.certPath,
        '-o',
        '/dev/null',
        '-w',
        '%{http_version}',
        'https://api.anthropic.com/v1/messages',
        '-H',
        `x-api-key: ${FAKE_ANTHROPIC_KEY}`,
        '-d',
        JSON.stringify(message('claude-haiku-4-5', false)),
      ],
      { timeout: 15_000 },
    );
    assert.is(r.stdout, '1.1');
    await eventually(() => completions(rig).length === 1);
    assert.is(completions(rig)[0]!.h2, false);
  });
});

test('MITM_FILTER_CHAIN=1: only /v1/messages is logged; other calls are still forwarded', async () => {
  await withRig({ MITM_FILTER_CHAIN: '1' }, async (rig) => {
    assert.is((await send(rig, 'claude-haiku-4-5', '/v1/messages/count_tokens')).status, 200);
    assert.is((await send(rig, 'claude-haiku-4-5')).status, 200);
    await eventually(() => completions(rig).length === 1);
    assert.equal(
      logLines(rig).map((l) => l.path),
      ['/v1/messages', '/v1/messages'],
    );
    assert.is(rig.anthropic.requests[0]!.url, '/v1/messages/count_tokens');
  });
});

test('body tee: off by default; with ENABLE_BODY_TEE=1 it records only while logs/.tee-on exists, 0600, never in the usage log', async () => {
  await withRig({}, async (rig) => {
    writeFileSync(teeFlagPath(rig.config.logsDir), '');
    await send(rig, 'claude-haiku-4-5');
    assert.not.ok(existsSync(bodyTeePath(rig.config.logsDir)), 'tee wrote without ENABLE_BODY_TEE=1');
  });
  await withRig({ ENABLE_BODY_TEE: '1' }, async (rig) => {
    await send(rig, 'claude-haiku-4-5');
    assert.not.ok(existsSync(bodyTeePath(rig.config.logsDir)), 'tee wrote without the flag file');
    writeFileSync(teeFlagPath(rig.config.logsDir), '');
    await send(rig, 'claude-sonnet-4-5');
    const file = bodyTeePath(rig.config.logsDir);
    const lines = jsonLines(file);
    assert.is(lines.length, 1);
    assert.is(JSON.parse(lines[0]!.body).messages[0].content, 'Say ok.');
    assert.is(statSync(file).mode & 0o777, 0o600);
    assert.not.match(readFileSync(rig.proxy.logPath, 'utf8'), 'Say ok.');
  });
});

test('FORCE_HAIKU_TO_ZAI=0, OFFLOAD_PAUSED=1 and a missing key keep haiku on anthropic, each with its decision', async () => {
  for (const [env, decision] of [
    [{ FORCE_HAIKU_TO_ZAI: '0' }, 'offload_off'],
    [{ OFFLOAD_PAUSED: '1' }, 'failover_paused'],
    [{ ZAI_API_KEY: '' }, 'no_zai_key'],
  ] as const) {
    await withRig(env, async (rig) => {
      const r = await send(rig, 'claude-haiku-4-5');
      assert.match(r.text, 'ok from anthropic-fake');
      await eventually(() => completions(rig).length === 1);
      assert.equal(
        [completions(rig)[0]!.lane, completions(rig)[0]!.decision],
        ['anthropic', decision],
        JSON.stringify(env),
      );
      assert.is(rig.zai.requests.length, 0);
    });
  }
});

test.run();

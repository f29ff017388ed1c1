// npm run doctor in shells that each have one problem, against a running proxy.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noProxyCovers } from '../proxy/ops/doctor.js';
import { readEnv, REPO_ROOT } from '../proxy/common/config.js';
import type { Fault } from '../proxy/rig/fake-upstream.js';
import { startRig, type Rig } from '../proxy/rig/rig.js';
import { announceRig, message, npmRun, postMessages, proxyAgent, withRig } from './helpers.js';

let rig: Rig;
let home: string;
let good: Record<string, string>;

test.before(async () => {
  rig = await startRig();
  // The proxy runs in this process; the state file names it, as npm run mitm would.
  announceRig(rig);
  home = mkdtempSync(join(tmpdir(), 'ccp-doctor-home-'));
  // A stand-in `claude` on PATH that only answers --version: doctor is what is tested here.
  mkdirSync(join(home, 'bin'));
  writeFileSync(join(home, 'bin', 'claude'), '#!/bin/sh\necho "2.1.197 (Claude Code)"\n', { mode: 0o755 });
  good = {
    PATH: `${join(home, 'bin')}:${process.env.PATH}`,
    HOME: home,
    CCP_LOGS_DIR: rig.config.logsDir,
    CCP_CA_DIR: rig.config.caDir,
    ZAI_API_KEY: 'zai-doctor-key-123456',
    HTTPS_PROXY: rig.proxyUrl,
    NODE_EXTRA_CA_CERTS: rig.proxy.ca.certPath,
    NO_PROXY: '127.0.0.1,localhost',
  };
});

test.after(async () => {
  await rig.stop();
  rmSync(home, { recursive: true, force: true });
});

function doctor(env: Record<string, string>) {
  return npmRun('doctor', [], env, { extendEnv: false, timeout: 60_000 });
}

function without(env: Record<string, string>, ...keys: string[]) {
  const copy = { ...env };
  for (const k of keys) delete copy[k];
  return copy;
}

test('NO_PROXY coverage of the API host', () => {
  for (const v of [
    '*',
    'api.anthropic.com',
    '.anthropic.com',
    'anthropic.com',
    'localhost,anthropic.com:443',
    '*.anthropic.com',
  ])
    assert.ok(noProxyCovers(v), v);
  for (const v of [undefined, '', '127.0.0.1,localhost', 'example.com', 'notanthropic.com', 'api.anthropic.com.evil'])
    assert.not.ok(noProxyCovers(v), String(v));
});

test('a shell set up by env/sub-env.sh: every check OK, including a real intercepted CONNECT', async () => {
  const r = await doctor(good);
  const out = String(r.stdout);
  assert.is(r.exitCode, 0, out + String(r.stderr));
  assert.not.match(out, /^FAIL/m);
  assert.not.match(out, /^WARN/m);
  assert.match(out, 'OK    CONNECT api.anthropic.com: intercepted');
  assert.match(out, `OK    NODE_EXTRA_CA_CERTS: ${rig.proxy.ca.certPath}, fingerprint matches the running proxy`);
  assert.match(out, 'OK    loopback only');
  assert.match(out, 'OK    claude: 2.1.197 (Claude Code)');
  assert.not.match(out, 'zai-doctor-key');
});

test('each problem is a FAIL or WARN with its one-line fix', async () => {
  const port = rig.proxy.port;
  const otherCa = join(home, 'other.pem');
  writeFileSync(otherCa, (await import('../proxy/rig/test-ca.js').then((m) => m.createTestTls())).caCert);
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'no HTTPS_PROXY',
      without(good, 'HTTPS_PROXY'),
      new RegExp(`^FAIL  HTTPS_PROXY: is not set.*\\n\\s+fix: source env/sub-env.sh ${port}`, 'm'),
    ],
    [
      'HTTPS_PROXY elsewhere',
      { ...good, HTTPS_PROXY: 'http://127.0.0.1:1' },
      /^FAIL {2}HTTPS_PROXY: is http:\/\/127\.0\.0\.1:1/m,
    ],
    [
      // The https scheme asks for TLS to the proxy itself: its name-constrained CA cannot certify 127.0.0.1.
      'HTTPS_PROXY with the https scheme',
      { ...good, HTTPS_PROXY: `https://127.0.0.1:${port}` },
      new RegExp(
        `^FAIL  HTTPS_PROXY: is https://127\\.0\\.0\\.1:${port}: that asks for TLS to the proxy itself.*PERMITTED_VIOLATION.*\\n\\s+fix: export HTTPS_PROXY=http://127\\.0\\.0\\.1:${port}`,
        'm',
      ),
    ],
    ['no NODE_EXTRA_CA_CERTS', without(good, 'NODE_EXTRA_CA_CERTS'), /^FAIL {2}NODE_EXTRA_CA_CERTS: is not set/m],
    [
      'another CA',
      { ...good, NODE_EXTRA_CA_CERTS: otherCa },
      /^FAIL {2}NODE_EXTRA_CA_CERTS: .*not the running proxy.s CA \(fingerprint differs\)/m,
    ],
    [
      'ANTHROPIC_BASE_URL',
      { ...good, ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' },
      /^FAIL {2}ANTHROPIC_BASE_URL: is set .*\n\s+fix: unset ANTHROPIC_BASE_URL/m,
    ],
    ['ANTHROPIC_AUTH_TOKEN', { ...good, ANTHROPIC_AUTH_TOKEN: 'tok' }, /^FAIL {2}ANTHROPIC_AUTH_TOKEN: is set/m],
    [
      'NO_PROXY covers the API',
      { ...good, NO_PROXY: 'localhost,.anthropic.com' },
      /^FAIL {2}NO_PROXY: .*\n\s+fix: export NO_PROXY=127\.0\.0\.1,localhost/m,
    ],
    // The fix names the port this shell sourced (HTTPS_PROXY), not the configured 8082.
    [
      'no proxy running',
      { ...good, CCP_LOGS_DIR: join(home, 'empty-logs') },
      new RegExp(
        `^FAIL  proxy running: no proxy.*\\(this shell points at port ${rig.proxy.port}\\)\\n\\s+fix: MITM_PORT=${rig.proxy.port} npm run mitm`,
        'm',
      ),
    ],
  ];
  for (const [name, env, expected] of cases) {
    const r = await doctor(env);
    assert.is(r.exitCode, 1, `${name}: ${r.stdout}`);
    assert.match(String(r.stdout), expected, name);
  }
});

test('a Z.AI key the running proxy saw rejected is a FAIL naming Z.AI with its fix; a rate cooldown only a WARN', async () => {
  // Real failures of the simulated Z.AI start the cooldowns, each in a proxy of its own.
  const cases: [Fault, number, RegExp][] = [
    [
      { status: 401, body: { error: { message: 'bad key' } } },
      1,
      /^FAIL {2}Z\.AI lane: cooling down \(auth\) until .*: HTTP 401: z\.ai rejected the key; Haiku goes to Anthropic meanwhile\n\s+fix: check ZAI_API_KEY/m,
    ],
    [{ zaiCode: 1303 }, 0, /^WARN {2}Z\.AI lane: cooling down \(rate\)/m],
  ];
  for (const [fault, exit, expected] of cases) {
    await withRig({}, async (own) => {
      own.zai.fault = fault;
      const agent = proxyAgent(own);
      await postMessages(agent, message('claude-haiku-4-5', false));
      await agent.close();
      announceRig(own);
      const r = await doctor({
        ...good,
        CCP_LOGS_DIR: own.config.logsDir,
        CCP_CA_DIR: own.config.caDir,
        HTTPS_PROXY: own.proxyUrl,
        NODE_EXTRA_CA_CERTS: own.proxy.ca.certPath,
      });
      assert.is(r.exitCode, exit, String(r.stdout));
      assert.match(String(r.stdout), expected);
    });
  }
  announceRig(rig);
});

test('warnings: settings.json relying on NODE_EXTRA_CA_CERTS, no claude, no Z.AI key; and a key that is not 0600 fails', async () => {
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ env: { NODE_EXTRA_CA_CERTS: '/x.pem' } }));
  try {
    const r = await doctor({
      ...without(good, 'ZAI_API_KEY'),
      PATH: process.env
        .PATH!.split(':')
        .filter((p) => !p.includes('claude'))
        .join(':'),
    });
    const out = String(r.stdout);
    assert.match(out, /^WARN {2}~\/\.claude\/settings\.json: sets NODE_EXTRA_CA_CERTS/m);
    // The running proxy has a key: what it runs with counts, not this shell (status says the same).
    assert.match(out, /^OK {4}Z\.AI key: set in the running proxy/m);
    assert.is(r.exitCode, 0, 'warnings alone do not fail');
    // No proxy running: the next start's key, from this shell or .env.
    const next = String(
      (await doctor({ ...without(good, 'ZAI_API_KEY'), CCP_LOGS_DIR: join(home, 'no-proxy-logs') })).stdout,
    );
    if (readEnv(REPO_ROOT, {}).ZAI_API_KEY) assert.match(next, /^OK {4}Z\.AI key: set for the next start/m);
    else
      assert.match(
        next,
        /^WARN {2}Z\.AI key: ZAI_API_KEY is set neither in this shell nor in \.env: a proxy started now keeps Haiku on Anthropic/m,
      );
  } finally {
    rmSync(join(home, '.claude'), { recursive: true, force: true });
  }
  chmodSync(rig.proxy.ca.keyPath, 0o644);
  try {
    const r = await doctor(good);
    assert.is(r.exitCode, 1);
    assert.match(
      String(r.stdout),
      new RegExp(`^FAIL  CA key permissions: .* is 0644\\n\\s+fix: chmod 600 ${rig.proxy.ca.keyPath}`, 'm'),
    );
  } finally {
    chmodSync(rig.proxy.ca.keyPath, 0o600);
  }
});

test.run();

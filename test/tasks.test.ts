// The task scripts as a user runs them: npm run mitm/status/pause/resume/stop/env, the env script in
import { usageLogPath } from '../proxy/common/logs-layout.js';
// bash and zsh, a busy port, a bad setting. Every process is bounded and stopped by its pid.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { ProxyAgent } from 'undici';
import { REPO_ROOT } from '../proxy/common/config.js';
import { freePort, startProxyProcess, type ProxyProcess } from '../proxy/rig/proxy-process.js';
import { startFakes } from '../proxy/rig/rig.js';
import { pidFilePath, stateFilePath } from '../proxy/common/logs-layout.js';
import { isAlive, readRunState } from '../proxy/ops/run-state.js';
import { writeSubEnv } from '../proxy/ops/sub-env.js';
import { eventually, message, npmRun, postMessages, within, jsonLines } from './helpers.js';

let dir: string;
let fakes: Awaited<ReturnType<typeof startFakes>>;
let env: Record<string, string>;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-tasks-'));
  fakes = await startFakes(dir);
  env = { ...fakes.env, MITM_PORT: String(await freePort()), CCP_ENV_FILE: join(dir, 'sub-env.sh') };
});

test.after(async () => {
  await fakes.anthropic.stop();
  await fakes.zai.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `npm run mitm` in the background, as a user types it; ready once its banner's ready signal is out. */
function startMitm(extra: Record<string, string> = {}): Promise<ProxyProcess> {
  return startProxyProcess({ ...env, ...extra }, { viaNpm: true, readyTimeoutMs: 20_000, lifetimeMs: 120_000 });
}

test('mitm → status → pause/resume live → stop: pid and state files, banner, request lines, clean shutdown', async () => {
  const stale = join(REPO_ROOT, '.cache', 'bundle-mitm-0000000000000000');
  mkdirSync(stale, { recursive: true });
  writeFileSync(join(stale, 'mitm.mjs'), '// a bundle of older sources\n');
  const mitm = await startMitm();
  const { child, output } = mitm;
  const logsDir = env.CCP_LOGS_DIR!;
  const port = Number(env.MITM_PORT);
  try {
    const banner = output();
    assert.match(banner, `listening on http://127.0.0.1:${port}`);
    assert.match(banner, /CA SHA-256\s+[0-9A-F:]{95}/);
    assert.match(banner, `source ${env.CCP_ENV_FILE} ${port}`);
    assert.match(banner, `dashboard    http://127.0.0.1:${port}/__ccp/`);
    assert.match(banner, new RegExp(`^ccp: ready port=${port} pid=${mitm.pid} startup_ms=\\d+$`, 'm'));
    assert.not.match(banner, env.ZAI_API_KEY!);
    assert.not.match(banner, 'no ZAI_API_KEY', 'with a key set there is no first-run hint');
    // Words that stay true: a main thread on Haiku is moved by the Haiku rule.
    assert.match(
      banner,
      'offload      haiku → z.ai lane; the main conversation stays on anthropic unless its model is Haiku (claude --model haiku)',
    );
    assert.not.match(banner, 'never moves');
    const state = readRunState(logsDir)!;
    assert.ok(state, 'state file written');
    assert.is(statSync(stateFilePath(logsDir)).mode & 0o777, 0o600);
    assert.is(Number(readFileSync(pidFilePath(logsDir), 'utf8')), state.pid);
    assert.ok(existsSync(env.CCP_ENV_FILE!), 'env file regenerated');
    // The all-day process runs the esbuild bundle, not the tsx loader; stale bundles are gone.
    const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    assert.ok(
      cmdline.some((a) => a.endsWith(join('tasks', 'launch.mjs'))),
      cmdline.join(' '),
    );
    assert.not.match(cmdline.join(' '), 'tsx');
    // npm's own process stays beside a foreground `npm run mitm`: the banner names it and its size.
    const npmLine =
      /^npm's own process \(pid (\d+), (\d+) MB\) waits beside the proxy while it runs\. Without it: node tasks\/launch\.mjs tasks\/mitm\.ts/m.exec(
        banner,
      );
    assert.ok(npmLine, banner);
    const ancestors: string[] = [];
    for (let pid = state.pid, i = 0; i < 4 && pid > 1; i++) {
      pid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1]);
      ancestors.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`);
    }
    const npmProc = ancestors.find((a) => a.startsWith(`${npmLine![1]} `));
    assert.ok(npmProc && /\bnpm\b/.test(npmProc), ancestors.join('\n'));
    const npmRssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${npmLine![1]}/status`, 'utf8'))![1]) / 1024;
    assert.ok(Math.abs(npmRssMb - Number(npmLine![2])) < 10, `${npmRssMb} MB vs ${npmLine![2]}`);
    const bundles = readdirSync(join(REPO_ROOT, '.cache')).filter((f) => /^bundle-mitm-[0-9a-f]{16}$/.test(f));
    assert.is(bundles.length, 1, bundles.join(', '));
    assert.ok(existsSync(join(REPO_ROOT, '.cache', bundles[0]!, 'mitm.mjs')));
    assert.match(readFileSync(env.CCP_ENV_FILE!, 'utf8'), state.ca_cert);

    const status = await npmRun('status', [], env);
    assert.is(status.exitCode, 0, String(status.stderr));
    assert.match(String(status.stdout), `running (pid ${state.pid}) on http://127.0.0.1:${port}`);
    assert.match(String(status.stdout), 'offload      on');
    assert.match(String(status.stdout), `dashboard    http://127.0.0.1:${port}/__ccp/`);

    const agent = new ProxyAgent({
      uri: `http://127.0.0.1:${port}`,
      requestTls: { ca: [readFileSync(state.ca_cert, 'utf8')] },
    });
    try {
      assert.match(
        (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
        'ok from zai-fake',
      );
      const paused = await npmRun('pause', [], env);
      assert.is(paused.exitCode, 0, String(paused.stderr));
      assert.match(String(paused.stdout), 'paused on the running proxy');
      assert.match((await npmRun('status', [], env)).stdout as string, 'PAUSED');
      assert.match(
        (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
        'ok from anthropic-fake',
      );
      const resumed = await npmRun('resume', [], env);
      assert.match(String(resumed.stdout), 'resumed on the running proxy');
      assert.match(
        (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
        'ok from zai-fake',
      );
    } finally {
      await agent.close();
    }
    await eventually(() => (output().match(/claude-haiku-4-5 → /g) ?? []).length >= 3, 3000, 'three request lines');
    assert.match(output(), /claude-haiku-4-5 → anthropic 200 .*failover_paused/);
    assert.match(output(), /claude-haiku-4-5 → zai 200 .*forced_model/);

    const again = await npmRun('mitm', [], env);
    assert.is(again.exitCode, 1);
    assert.match(String(again.stderr), `already running (pid ${state.pid}, port ${port})`);

    const stop = await npmRun('stop', [], env);
    assert.is(stop.exitCode, 0, String(stop.stderr));
    assert.match(String(stop.stdout), `stopped the proxy (pid ${state.pid})`);
    const done = await within(10_000, child);
    assert.is(done.exitCode, 0, 'mitm exits 0 after a clean stop');
    assert.not.ok(isAlive(state.pid));
    assert.not.ok(existsSync(pidFilePath(logsDir)), 'pid file removed');
    assert.not.ok(existsSync(stateFilePath(logsDir)), 'state file removed');
    const log = jsonLines(usageLogPath(logsDir));
    assert.is(log.filter((l) => l.event === 'complete').length, 3);
    const st = await npmRun('status', [], env);
    assert.is(st.exitCode, 3);
    assert.match(String(st.stdout), 'not running');
    // From a terminal sourced for another port, the start command names that port.
    const sourced = await npmRun('status', [], { ...env, HTTPS_PROXY: 'http://127.0.0.1:18123' });
    assert.match(String(sourced.stdout), 'Start it with: MITM_PORT=18123 npm run mitm');
  } finally {
    await mitm.stop();
  }
});

test('a first run without ZAI_API_KEY says in one line what to do, still starts, and keeps Haiku on Anthropic', async () => {
  const logsDir = join(dir, 'logs-nokey');
  const port = await freePort();
  const mitm = await startMitm({ ZAI_API_KEY: '', CCP_LOGS_DIR: logsDir, MITM_PORT: String(port) });
  try {
    const hint = mitm
      .output()
      .split('\n')
      .filter((l) => l.includes('ZAI_API_KEY'));
    assert.is(hint.length, 1, hint.join('\n'));
    assert.match(hint[0]!, /Haiku stays on Anthropic \(no_zai_key\)/);
    assert.match(hint[0]!, 'cp .env.example .env');
    const state = readRunState(logsDir)!;
    const agent = new ProxyAgent({
      uri: `http://127.0.0.1:${port}`,
      requestTls: { ca: [readFileSync(state.ca_cert, 'utf8')] },
    });
    try {
      assert.match(
        (await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)))).text,
        'ok from anthropic-fake',
      );
    } finally {
      await agent.close();
    }
    await eventually(
      () => existsSync(usageLogPath(logsDir)) && readFileSync(usageLogPath(logsDir), 'utf8').includes('"complete"'),
      3000,
      'log line',
    );
    const line = jsonLines(usageLogPath(logsDir)).find((l) => l.event === 'complete')!;
    assert.is(line.lane, 'anthropic');
    assert.is(line.decision, 'no_zai_key');
  } finally {
    await mitm.stop();
  }
});

test('a pause made while no proxy runs holds for the next start', async () => {
  assert.match(String((await npmRun('pause', [], env)).stdout), 'for the next start');
  const { child } = await startMitm();
  try {
    const s = await npmRun('status', [], env);
    assert.match(String(s.stdout), 'PAUSED');
  } finally {
    await npmRun('resume', [], env);
    await npmRun('stop', [], env);
    await within(10_000, child);
  }
});

test('a busy port is a clear error naming the holder and the fixes; the port it suggests is free now; no silent switch', async () => {
  // Two busy ports in a row: the hint must not name the second one.
  const listen = async (port: number) => {
    const s = net.createServer();
    await new Promise<void>((r, j) => {
      s.once('error', j);
      s.listen(port, '127.0.0.1', () => r());
    });
    return s;
  };
  let blocker = await listen(0);
  let port = (blocker.address() as net.AddressInfo).port;
  let next: net.Server | undefined;
  for (let i = 0; i < 20 && !next; i++) {
    next = await listen(port + 1).catch(() => undefined);
    if (!next) {
      blocker.close();
      blocker = await listen(0);
      port = (blocker.address() as net.AddressInfo).port;
    }
  }
  try {
    const r = await npmRun('mitm', [], { ...env, MITM_PORT: String(port), CCP_LOGS_DIR: join(dir, 'busy-logs') });
    assert.is(r.exitCode, 1);
    assert.match(String(r.stderr), `port ${port} is already in use by pid ${process.pid}`);
    assert.match(String(r.stderr), 'npm run stop');
    const suggested = Number(/use a port that is free now: MITM_PORT=(\d+) npm run mitm/.exec(String(r.stderr))?.[1]);
    assert.ok(suggested > port + 1, `suggested ${suggested}: ${r.stderr}`);
    // Free now, as the test itself finds by listening on it.
    (await listen(suggested)).close();
    assert.not.ok(existsSync(pidFilePath(join(dir, 'busy-logs'))), 'no pid file for a proxy that did not start');
  } finally {
    blocker.close();
    next?.close();
  }
});

test('a bad setting stops the start with the variable and the allowed values', async () => {
  const r = await npmRun('mitm', [], { ...env, ZAI_HEADER_MODE: 'bearer' });
  assert.is(r.exitCode, 2);
  assert.match(String(r.stderr), 'ZAI_HEADER_MODE: invalid value "bearer"; allowed: x-api-key | authorization');
});

test('stop never touches a live process it cannot verify as the proxy', async () => {
  const logsDir = join(dir, 'foreign-logs');
  const sleeper = execa('sleep', ['30'], { reject: false, timeout: 40_000 });
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(logsDir, { recursive: true });
    writeFileSync(pidFilePath(logsDir), `${sleeper.pid}\n`);
    const r = await npmRun('stop', [], { ...env, CCP_LOGS_DIR: logsDir });
    assert.is(r.exitCode, 1);
    assert.match(String(r.stderr), `pid ${sleeper.pid}`);
    assert.match(String(r.stderr), 'Not touching it');
    assert.ok(isAlive(sleeper.pid!), 'the foreign process is still alive');
  } finally {
    sleeper.kill('SIGTERM');
    await sleeper;
  }
});

test('npm run env writes a script that bash sources: variables set, ANTHROPIC_* unset', async () => {
  const r = await npmRun('env', [], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  const script = env.CCP_ENV_FILE!;
  const probe = `source ${script} 8099 >/dev/null; printf '%s|' "$HTTPS_PROXY" "$NODE_EXTRA_CA_CERTS" "$NO_PROXY" "\${ANTHROPIC_BASE_URL-unset}" "\${ANTHROPIC_AUTH_TOKEN-unset}"`;
  const out = await execa('bash', ['-c', probe], {
    env: { ANTHROPIC_BASE_URL: 'http://stale:1', ANTHROPIC_AUTH_TOKEN: 'tok' },
    timeout: 10_000,
  });
  assert.is(out.stdout, `http://127.0.0.1:8099|${join(env.CCP_CA_DIR!, 'ca.pem')}|127.0.0.1,localhost|unset|unset|`);
});

test('the env script works sourced from zsh, refuses to run unsourced, rejects a bad port', async () => {
  const script = join(dir, 'quoted dir', "it's-env.sh");
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'quoted dir'), { recursive: true });
  writeSubEnv(script, { caCertPath: join(dir, "ca dir/it's ca.pem"), defaultPort: 8082, caFingerprint: 'AB:CD' });
  const q = `'${script.replace(/'/g, `'\\''`)}'`;
  const zsh = await execa(
    'zsh',
    ['-fc', `source ${q} 8123 >/dev/null; print -r -- "$HTTPS_PROXY|$NODE_EXTRA_CA_CERTS|\${+ANTHROPIC_BASE_URL}"`],
    { env: { ANTHROPIC_BASE_URL: 'x' }, timeout: 10_000 },
  );
  assert.is(zsh.stdout, `http://127.0.0.1:8123|${join(dir, "ca dir/it's ca.pem")}|0`);
  const dflt = await execa('bash', ['-c', `source ${q} >/dev/null; echo "$HTTPS_PROXY"`], { timeout: 10_000 });
  assert.is(dflt.stdout, 'http://127.0.0.1:8082');
  for (const shell of ['bash', 'zsh']) {
    const ran = await execa(shell, [script, '8099'], { reject: false, timeout: 10_000 });
    assert.is(ran.exitCode, 1, shell);
    assert.match(ran.stderr, 'was executed, so it cannot change your shell', shell);
  }
  const bad = await execa('bash', ['-c', `source ${q} abc; echo "still here rc=$? proxy=\${HTTPS_PROXY-unset}"`], {
    reject: false,
    timeout: 10_000,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '' },
  });
  assert.match(bad.stdout, 'still here rc=1 proxy=unset');
  assert.match(bad.stderr, 'port must be a number');
});

test('--help of every task says what it does and exits 0', async () => {
  for (const task of [
    'mitm',
    'stop',
    'status',
    'pause',
    'resume',
    'offload',
    'env',
    'demo',
    'summarize',
    'verify-routing',
    'report',
    'bundle',
    'pilot',
    'prove',
    'doctor',
    'bench',
    'soak',
    'burst',
    'chaos',
  ]) {
    const r = await npmRun(task, ['--help'], env);
    assert.is(r.exitCode, 0, task);
    assert.match(String(r.stdout), 'Usage: npm run', task);
  }
});

test.run();

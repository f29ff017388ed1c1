// Day two: a proxied terminal whose proxy is down, settings given inline, a remembered pause, an empty
import { usageLogPath } from '../proxy/common/logs-layout.js';
// variable, CCP_FALLBACK=0 during a cooldown, bad paths. Real shells, the real CLI, real processes.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { INTERCEPT_HOSTS, loadConfig, REPO_ROOT } from '../proxy/common/config.js';
import { ensureCa } from '../proxy/serve/front/ca.js';
import { writeSubEnv } from '../proxy/ops/sub-env.js';
import { startFakes } from '../proxy/rig/rig.js';
import { freePort, startProxyProcess } from '../proxy/rig/proxy-process.js';
import { CLAUDE, ensureClaude, OAUTH_TOKEN } from './claude.js';
import { completions, message, npmRun, postMessages, proxyAgent, within, withRig } from './helpers.js';
import { ProxyAgent } from 'undici';

const dir = mkdtempSync(join(tmpdir(), 'ccp-day-two-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A plain HTTP server on loopback answering every request with `body`: something that is not our proxy, or pretends to be. */
async function stranger(body: string): Promise<{ port: number; close: () => Promise<void> }> {
  const s = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { port: (s.address() as { port: number }).port, close: () => new Promise((r) => s.close(() => r())) };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Lines run as a script file, the way a terminal reads them: one command line at a time, so an alias
 * defined (or wrapped by the sourced file) on one line applies to the next (`zsh -c` parses its whole
 * string first). bash needs expand_aliases outside an interactive shell.
 */
function runLines(shell: 'bash' | 'zsh', lines: string[], env: Record<string, string>) {
  const file = join(mkdtempSync(join(dir, 'lines-')), `run.${shell}`);
  writeFileSync(file, `${shell === 'bash' ? 'shopt -s expand_aliases\n' : ''}${lines.join('\n')}\n`);
  return execa(shell, shell === 'zsh' ? ['-f', file] : [file], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 10_000,
  });
}

test('sourcing env/sub-env.sh: bash and zsh say when no proxy answers, and claude stops at once with the fix', async () => {
  await ensureClaude();
  await withRig({}, async (rig) => {
    const script = join(dir, 'sub-env.sh');
    writeSubEnv(script, {
      caCertPath: rig.proxy.ca.certPath,
      defaultPort: rig.proxy.port,
      caFingerprint: rig.proxy.ca.fingerprint,
      startPort: 8082,
    });
    const down = await freePort();
    const notOurs = await stranger('hello');
    const otherCa = await stranger(`ccp-lanes pid=1 port=1 ca=AA:BB\n`);
    const home = mkdtempSync(join(dir, 'home-'));
    // The real CLI on PATH, as `claude`.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'claude'), `#!/bin/sh\nexec ${quote(CLAUDE)} "$@"\n`, { mode: 0o755 });
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: home,
      CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
    };
    try {
      for (const shell of ['bash', 'zsh']) {
        const args = shell === 'zsh' ? ['-fc'] : ['-c'];
        // Nothing listens: the source says so, with the exact command (MITM_PORT, since it is not 8082), and returns 1.
        const src = await execa(shell, [...args, `source ${quote(script)} ${down}; echo "rc=$? proxy=$HTTPS_PROXY"`], {
          env,
          extendEnv: false,
          reject: false,
          timeout: 10_000,
        });
        assert.match(src.stdout, `rc=1 proxy=http://127.0.0.1:${down}`, shell);
        assert.ok(
          src.stderr.includes(
            `ccp: no proxy is running on 127.0.0.1:${down}; start it in another terminal: cd '${REPO_ROOT.replace(/\/+$/, '')}' && MITM_PORT=${down} npm run mitm`,
          ),
          `${shell}: ${src.stderr}`,
        );
        // claude in that terminal: one line naming the fix, exit 69, within seconds (it used to hang 30–90 s).
        const t0 = Date.now();
        const run = await execa(
          shell,
          [...args, `source ${quote(script)} ${down} >/dev/null 2>&1; claude -p --model haiku ok --output-format json`],
          { env, extendEnv: false, reject: false, timeout: 30_000 },
        );
        const took = Date.now() - t0;
        assert.is(run.exitCode, 69, `${shell}: ${run.stdout}${run.stderr}`);
        assert.ok(took < 5000, `${shell}: took ${took} ms`);
        assert.equal(
          run.stderr.trim().split('\n'),
          [
            `ccp: no proxy is running on 127.0.0.1:${down}; start it in another terminal: cd '${REPO_ROOT.replace(/\/+$/, '')}' && MITM_PORT=${down} npm run mitm`,
          ],
          shell,
        );
        assert.is(run.stdout, '', shell);
        // Something else holds the port; a ccp proxy with another CA.
        const other = await execa(shell, [...args, `source ${quote(script)} ${notOurs.port}`], {
          env,
          extendEnv: false,
          reject: false,
          timeout: 10_000,
        });
        assert.is(other.exitCode, 1);
        assert.match(other.stderr, `127.0.0.1:${notOurs.port} answers, but not as this kit's proxy`);
        // The port it suggests instead is free now (the test listens on it to know), not the busy one.
        const suggested = Number(/or use (\d+), which is free now/.exec(other.stderr)?.[1]);
        assert.ok(suggested > notOurs.port, other.stderr);
        const probe = http.createServer();
        await new Promise<void>((r) => probe.listen(suggested, '127.0.0.1', () => r()));
        await new Promise<void>((r) => probe.close(() => r()));
        assert.match(other.stderr, `MITM_PORT=${suggested} npm run mitm, then source env/sub-env.sh ${suggested}`);
        const ca = await execa(shell, [...args, `source ${quote(script)} ${otherCa.port}`], {
          env,
          extendEnv: false,
          reject: false,
          timeout: 10_000,
        });
        assert.is(ca.exitCode, 1);
        assert.match(ca.stderr, `the proxy on 127.0.0.1:${otherCa.port} uses another CA than this terminal trusts`);
        // The proxy answers: rc 0, and the real claude's haiku call reaches the Z.AI fake through it.
        const zaiBefore = rig.zai.requests.length;
        const up = await execa(
          shell,
          [
            ...args,
            `source ${quote(script)} ${rig.proxy.port} >/dev/null && claude -p --model haiku ok --output-format json`,
          ],
          { env, extendEnv: false, reject: false, timeout: 90_000 },
        );
        assert.is(up.exitCode, 0, `${shell}: ${up.stdout}${up.stderr}`);
        assert.is((JSON.parse(up.stdout) as { result: string }).result, 'ok from zai-fake', shell);
        assert.ok(
          rig.zai.requests.slice(zaiBefore).some((r) => r.url.startsWith('/api/anthropic/v1/messages')),
          shell,
        );
        // An alias `claude` (Claude Code's local installer writes one) is kept: the function runs what it ran.
        const aliased = join(bin, 'aliased-claude');
        writeFileSync(aliased, '#!/bin/sh\necho "aliased $*"\n', { mode: 0o755 });
        const al = await runLines(
          shell as 'bash' | 'zsh',
          [
            `alias claude=${quote(aliased)}`,
            `source ${quote(script)} ${rig.proxy.port} >/dev/null`,
            'claude --version',
          ],
          env,
        );
        assert.is(al.stdout.trim(), 'aliased --version', `${shell}: ${al.stderr}`);
      }
    } finally {
      await notOurs.close();
      await otherCa.close();
    }
  });
});

test('an alias named claude runs once through the check, never loops; unalias undoes it; sourcing again wraps nothing twice; sh/dash can source it', async () => {
  await withRig({}, async (rig) => {
    const base = mkdtempSync(join(dir, 'alias-'));
    const script = join(base, 'sub-env.sh');
    writeSubEnv(script, {
      caCertPath: rig.proxy.ca.certPath,
      defaultPort: rig.proxy.port,
      caFingerprint: rig.proxy.ca.fingerprint,
      startPort: 8082,
    });
    // A stand-in `claude` on PATH that says how it was called: the wrapper and the alias are what is tested.
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "real claude $*"\n', { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: base };
    const down = await freePort();
    const src = (port: number) => `source ${quote(script)} ${port} >/dev/null 2>&1`;
    for (const shell of ['bash', 'zsh'] as const) {
      const run = (lines: string[]) => runLines(shell, lines, env);
      // The alias calls claude itself: one run, with its flag, through the check.
      const once = await run([`alias claude='claude --model haiku'`, src(rig.proxy.port), 'claude -p ok']);
      assert.equal(
        [once.exitCode, once.stdout.trim()],
        [0, 'real claude --model haiku -p ok'],
        `${shell}: ${once.stderr}`,
      );
      // The proxy is down: exit 69 at once with the true reason, not a loop and not "not as this kit's proxy".
      const t0 = Date.now();
      const stopped = await run([`alias claude='claude --model haiku'`, src(down), 'claude -p ok']);
      assert.is(stopped.exitCode, 69, `${shell}: ${stopped.stdout}${stopped.stderr}`);
      assert.ok(Date.now() - t0 < 5000, `${shell}: took ${Date.now() - t0} ms`);
      assert.match(stopped.stderr, `ccp: no proxy is running on 127.0.0.1:${down}`);
      assert.is(stopped.stdout, '');
      // Sourcing twice wraps once; unalias gives the plain claude back, and sourcing again checks it again.
      const again = await run([
        `alias claude='claude --model haiku'`,
        src(rig.proxy.port),
        src(rig.proxy.port),
        'claude -p twice',
        'unalias claude',
        'claude -p plain',
        src(rig.proxy.port),
        'claude -p resourced',
      ]);
      assert.equal(
        again.stdout.trim().split('\n'),
        ['real claude --model haiku -p twice', 'real claude -p plain', 'real claude -p resourced'],
        `${shell}: ${again.stderr}`,
      );
    }
    // sh (dash on Debian): `. env/sub-env.sh` works, and the shell that sourced it goes on.
    const sh = await execa(
      'sh',
      ['-c', `. ${quote(script)} ${rig.proxy.port} >/dev/null; echo "after $HTTPS_PROXY"; claude -p sh`],
      {
        env,
        extendEnv: false,
        reject: false,
        timeout: 10_000,
      },
    );
    assert.equal(
      sh.stdout.trim().split('\n'),
      [`after http://127.0.0.1:${rig.proxy.port}`, 'real claude -p sh'],
      sh.stderr,
    );
    // Executed rather than sourced, it says so and changes nothing.
    const executed = await execa('sh', [script, String(rig.proxy.port)], { env, extendEnv: false, reject: false });
    assert.is(executed.exitCode, 1);
    assert.match(executed.stderr, 'was executed');
  });
});

test('typos are errors: an unknown flag exits 2 naming it and the closest known one, in every task; an unknown session is said', async () => {
  const env = { CCP_LOGS_DIR: join(dir, 'typo-logs') };
  mkdirSync(env.CCP_LOGS_DIR, { recursive: true });
  writeFileSync(
    usageLogPath(env.CCP_LOGS_DIR),
    `${JSON.stringify({ v: 1, event: 'decision', ts: 1, rid: 'a', attempt: 1, lane: 'anthropic', decision: 'pass_through', path: '/v1/messages', model: 'claude-sonnet-4-5' })}\n${JSON.stringify({ v: 1, event: 'complete', ts: 2, rid: 'a', attempt: 1, lane: 'anthropic', decision: 'pass_through', path: '/v1/messages', model: 'claude-sonnet-4-5', status: 200, upstream: 'api.anthropic.com', session: 's-1' })}\n`,
  );
  const cases: [string, string[], string][] = [
    ['summarize', ['--sinse', '1m'], 'ccp: npm run summarize has no flag --sinse; did you mean --since?'],
    ['verify-routing', ['--sinse', '1m'], 'ccp: npm run verify-routing has no flag --sinse; did you mean --since?'],
    ['report', ['--htm'], 'ccp: npm run report has no flag --htm; did you mean --html?'],
    ['bundle', ['--with-body'], 'ccp: npm run bundle has no flag --with-body; did you mean --with-bodies?'],
    ['status', ['--jsno'], 'ccp: npm run status has no flag --jsno; did you mean --json?'],
    ['stop', ['--froce'], 'ccp: npm run stop has no flag --froce; did you mean --force?'],
    ['offload', ['--subagent', 'on'], 'ccp: npm run offload has no flag --subagent; did you mean --subagents?'],
    ['doctor', ['--verbose'], 'ccp: npm run doctor has no flag --verbose (npm run doctor -- --help lists them)'],
    ['mitm', ['--port', '9000'], 'ccp: npm run mitm takes no flags (--port 9000)'],
  ];
  for (const [task, args, said] of cases) {
    const r = await npmRun(task, args, env);
    assert.is(r.exitCode, 2, `${task}: ${r.stdout}${r.stderr}`);
    assert.match(String(r.stderr), said, task);
  }
  const session = await npmRun('summarize', ['--session', 'nope'], env);
  assert.is(session.exitCode, 2, String(session.stdout));
  assert.match(String(session.stderr), 'ccp: session nope is not in the log');
  const known = await npmRun('summarize', ['--session', 's-1'], env);
  assert.is(known.exitCode, 0, String(known.stderr));
});

test('CCP_AUTOSTART=1: claude in a sourced terminal starts the proxy that is down (no npm parent), says so in one line, and runs; bash and zsh, an alias too', async () => {
  for (const shell of ['bash', 'zsh'] as const) {
    const base = mkdtempSync(join(dir, `autostart-${shell}-`));
    const fakes = await startFakes(base);
    const ca = await ensureCa(fakes.env.CCP_CA_DIR!, INTERCEPT_HOSTS);
    const port = await freePort();
    const script = join(base, 'sub-env.sh');
    writeSubEnv(script, { caCertPath: ca.certPath, defaultPort: port, caFingerprint: ca.fingerprint, startPort: 8082 });
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "real claude $*"\n', { mode: 0o755 });
    const logs = fakes.env.CCP_LOGS_DIR!;
    const env: Record<string, string> = {
      ...fakes.env,
      MITM_PORT: String(port),
      CCP_ENV_FILE: join(base, 'written-sub-env.sh'),
      PATH: `${bin}:${process.env.PATH}`,
      HOME: base,
      CCP_AUTOSTART: '1',
    };
    let pid: number | undefined;
    try {
      const t0 = Date.now();
      const r = await runLines(
        shell,
        [`alias claude='claude --model haiku'`, `source ${quote(script)} ${port} >/dev/null 2>&1`, 'claude -p ok'],
        { ...env },
      );
      assert.is(r.exitCode, 0, `${shell}: ${r.stdout}${r.stderr}`);
      assert.is(r.stdout.trim(), 'real claude --model haiku -p ok', shell);
      const said = r.stderr.trim().split('\n');
      assert.is(said.length, 1, `${shell}: ${r.stderr}`);
      assert.match(
        said[0]!,
        `ccp: started the proxy on 127.0.0.1:${port} in the background (CCP_AUTOSTART=1; output in ${join(logs, 'mitm-autostart.log')}); stop it with: cd '`,
      );
      assert.ok(Date.now() - t0 < 20_000);
      // It runs on, the proxy alone: its pid file names a live node process whose parent is not npm.
      pid = Number(readFileSync(join(logs, 'mitm.pid'), 'utf8'));
      assert.ok(pid > 0 && existsSync(`/proc/${pid}`), `${shell}: proxy pid ${pid}`);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      assert.match(cmd, 'tasks/launch.mjs tasks/mitm.ts');
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      const parent = existsSync(`/proc/${ppid}/cmdline`) ? readFileSync(`/proc/${ppid}/cmdline`, 'utf8') : '';
      assert.not.match(parent, 'npm', `${shell}: parent ${ppid} ${parent}`);
      assert.not.match(readFileSync(join(logs, 'mitm-autostart.log'), 'utf8'), "npm's own process");
      // The next claude finds it running: no second start, no line.
      const again = await runLines(shell, [`source ${quote(script)} ${port} >/dev/null 2>&1`, 'claude -p again'], env);
      assert.equal([again.exitCode, again.stdout.trim(), again.stderr.trim()], [0, 'real claude -p again', '']);
      // Without CCP_AUTOSTART the fail-fast default holds.
      process.kill(pid, 'SIGTERM');
      await within(
        10_000,
        (async () => {
          while (existsSync(`/proc/${pid}`)) await new Promise((res) => setTimeout(res, 100));
        })(),
      );
      const off = await runLines(shell, [`source ${quote(script)} ${port} >/dev/null 2>&1`, 'claude -p off'], {
        ...env,
        CCP_AUTOSTART: '0',
      });
      assert.is(off.exitCode, 69, `${shell}: ${off.stdout}${off.stderr}`);
      assert.match(off.stderr, `ccp: no proxy is running on 127.0.0.1:${port}`);
    } finally {
      if (pid && existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
      await fakes.anthropic.stop();
      await fakes.zai.stop();
    }
  }
});

test('settings given inline to npm run mitm: verify-routing, bundle and doctor judge the run, not the reading shell', async () => {
  const base = join(dir, 'inline');
  const fakes = await startFakes(base);
  const port = await freePort();
  const shell = {
    CCP_LOGS_DIR: fakes.env.CCP_LOGS_DIR!,
    CCP_CA_DIR: fakes.env.CCP_CA_DIR!,
    CCP_RESULTS_DIR: fakes.env.CCP_RESULTS_DIR!,
    CCP_ENV_FILE: join(base, 'sub-env.sh'),
    HOME: base,
    PATH: process.env.PATH!,
  };
  const inline = {
    ...shell,
    ZAI_BASE_URL: fakes.env.ZAI_BASE_URL!,
    ANTH_BASE_URL: fakes.env.ANTH_BASE_URL!,
    ZAI_API_KEY: fakes.env.ZAI_API_KEY!,
    CCP_UPSTREAM_CA: fakes.env.CCP_UPSTREAM_CA!,
    ENABLE_BODY_TEE: '1',
    ZAI_MODEL_MAP: 'haiku=glm-4.5-air',
    MITM_PORT: String(port),
  };
  const proxy = await startProxyProcess(inline);
  try {
    const agent = new ProxyAgent({
      uri: `http://127.0.0.1:${port}`,
      requestTls: { ca: [readFileSync(join(shell.CCP_CA_DIR, 'ca.pem'), 'utf8')] },
    });
    assert.is((await postMessages(agent, message('claude-haiku-4-5', false))).status, 200);
    assert.is((await postMessages(agent, message('claude-sonnet-4-5', false))).status, 200);
    await agent.close();
  } finally {
    await proxy.stop();
  }
  try {
    // The reading shell has none of the inline settings (its own would be api.z.ai / api.anthropic.com).
    const v = await npmRun('verify-routing', [], shell, { extendEnv: false });
    assert.is(v.exitCode, 0, String(v.stdout) + String(v.stderr));
    assert.match(String(v.stdout), `hosts judged by the run line of pid ${proxy.pid}`);
    assert.match(String(v.stdout), `zai: ${new URL(fakes.env.ZAI_BASE_URL!).host}`);
    const out = join(base, 'bundles');
    const b = await npmRun('bundle', ['--out', out], shell, { extendEnv: false });
    assert.is(b.exitCode, 0, String(b.stdout) + String(b.stderr));
    const [bundle] = readdirSync(out).filter((f) => !f.endsWith('.tgz'));
    const state = JSON.parse(readFileSync(join(out, bundle!, 'STATE.json'), 'utf8')) as {
      toggles: Record<string, unknown>;
    };
    assert.match(String(state.toggles.source), `the run line of pid ${proxy.pid}`);
    assert.is(state.toggles.ENABLE_BODY_TEE, true);
    assert.is(state.toggles.ZAI_MODEL_MAP, 'haiku=glm-4.5-air');
    assert.is(state.toggles.zai_key_set, true);
    assert.is(state.toggles.ZAI_BASE_URL, fakes.env.ZAI_BASE_URL);
    assert.is(state.toggles.ANTH_BASE_URL, `${fakes.env.ANTH_BASE_URL}/`);
    // A request that really went elsewhere: the FAIL names where it went and where it should have gone, apart.
    const log = usageLogPath(shell.CCP_LOGS_DIR);
    const lines = readFileSync(log, 'utf8').trim().split('\n'); // raw lines: one is rewritten below
    const sonnet = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r.event === 'complete' && String(r.model).includes('sonnet'))!;
    writeFileSync(
      log,
      `${lines.join('\n')}\n${JSON.stringify({ ...sonnet, rid: 'moved', upstream: '10.9.9.9:443' })}\nnot json\n`,
    );
    const f = await npmRun('verify-routing', [], shell, { extendEnv: false });
    assert.is(f.exitCode, 1);
    assert.match(
      String(f.stdout),
      `FAIL  every request reached the host configured for its lane: 1 request(s) went elsewhere: 1 anthropic-lane request(s) went to 10.9.9.9:443; configured for that lane: ${new URL(fakes.env.ANTH_BASE_URL!).host} [rids: moved]`,
    );
    assert.match(String(f.stdout), 'NOTE  1 malformed line(s)');
  } finally {
    await fakes.anthropic.stop();
    await fakes.zai.stop();
  }
});

test('an explicit OFFLOAD_PAUSED=0 wins over the remembered pause; without it the banner names the remembered pause', async () => {
  const base = join(dir, 'pause');
  const fakes = await startFakes(base);
  const env: Record<string, string> = {
    ...fakes.env,
    CCP_ENV_FILE: join(base, 'sub-env.sh'),
    HOME: base,
    MITM_PORT: '8082',
  };
  try {
    const p = await npmRun('pause', [], env);
    assert.is(p.exitCode, 0, String(p.stderr));
    assert.ok(existsSync(join(env.CCP_LOGS_DIR!, '.offload-paused')));
    let proxy = await startProxyProcess({ ...env, MITM_PORT: String(await freePort()) });
    let status = (await (await fetch(`http://127.0.0.1:${proxy.port}/__ccp/status`)).json()) as { paused: boolean };
    await proxy.stop();
    assert.is(status.paused, true);
    assert.match(proxy.output(), 'paused since `npm run pause` (remembered in logs/.offload-paused): npm run resume');
    proxy = await startProxyProcess({ ...env, OFFLOAD_PAUSED: '0', MITM_PORT: String(await freePort()) });
    status = (await (await fetch(`http://127.0.0.1:${proxy.port}/__ccp/status`)).json()) as { paused: boolean };
    await proxy.stop();
    assert.is(status.paused, false);
    assert.match(proxy.output(), 'OFFLOAD_PAUSED=0 from the shell overrides the remembered pause (cleared)');
    assert.not.ok(
      existsSync(join(env.CCP_LOGS_DIR!, '.offload-paused')),
      'the explicit choice is what is remembered now',
    );
  } finally {
    await fakes.anthropic.stop();
    await fakes.zai.stop();
  }
});

test('an empty ZAI_API_KEY= in the shell does not hide the key in .env', () => {
  const root = join(dir, 'root');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, '.env'), 'ZAI_API_KEY=zai-key-from-dotenv-123456\nOFFLOAD_PAUSED=0\n');
  assert.is(loadConfig({}, root, { ZAI_API_KEY: '' }).zaiApiKey, 'zai-key-from-dotenv-123456');
  assert.is(loadConfig({}, root, { ZAI_API_KEY: '  ' }).zaiApiKey, 'zai-key-from-dotenv-123456');
  assert.is(loadConfig({}, root, { ZAI_API_KEY: 'zai-shell-key-abcdef' }).zaiApiKey, 'zai-shell-key-abcdef');
  assert.is(loadConfig({}, root, {}).offloadPausedFrom, '.env');
  assert.is(loadConfig({}, root, { OFFLOAD_PAUSED: '0' }).offloadPausedFrom, 'shell');
});

test('CCP_FALLBACK=0: during a cooldown (rejected key, rate limit) Haiku gets an error naming Z.AI at once; Anthropic never answers it', async () => {
  await withRig({ env: { CCP_FALLBACK: '0' } }, async (rig) => {
    const agent = proxyAgent(rig);
    rig.zai.opts.requireKey = { value: 'a-key-the-proxy-does-not-have', header: 'either' };
    const first = await postMessages(agent, message('claude-haiku-4-5', false));
    assert.is(first.status, 502);
    const zaiSeen = rig.zai.requests.length;
    const anthSeen = rig.anthropic.requests.length;
    const t0 = Date.now();
    const second = await postMessages(agent, message('claude-haiku-4-5', true));
    assert.ok(Date.now() - t0 < 1000);
    assert.is(second.status, 502);
    const err = JSON.parse(second.text) as { type: string; error: { type: string; message: string } };
    assert.is(err.error.type, 'api_error');
    assert.match(
      err.error.message,
      /^proxy: the Z\.AI lane is cooling down \(auth: Z\.AI rejected the Z\.AI key; check ZAI_API_KEY and ZAI_HEADER_MODE\) for (?:30 min 0 s|29 min 5\d s) more, until \d{4}-/,
    );
    assert.match(err.error.message, 'CCP_FALLBACK=0, so Haiku is not sent to Anthropic instead');
    assert.not.match(err.error.message, /\b401\b/);
    assert.is(rig.zai.requests.length, zaiSeen, 'not dialled');
    assert.is(rig.anthropic.requests.length, anthSeen, 'never moved to Anthropic');
    const last = completions(rig).at(-1)!;
    assert.equal(
      [last.lane, last.decision, last.cooldown_reason, last.status, last.proxy_status, last.upstream],
      ['zai', 'cooldown', 'auth', 502, 502, undefined],
    );
    await agent.close();
  });
  await withRig({ env: { CCP_FALLBACK: '0', CCP_ZAI_COOLDOWN_S: '60' } }, async (rig) => {
    const agent = proxyAgent(rig);
    rig.zai.fault = { zaiCode: 1303 };
    assert.is(
      (await postMessages(agent, message('claude-haiku-4-5', false))).status,
      429,
      "Z.AI's own rate answer, relayed",
    );
    rig.zai.fault = undefined;
    const anthSeen = rig.anthropic.requests.length;
    const next = await postMessages(agent, message('claude-haiku-4-5', false));
    assert.is(next.status, 429);
    assert.is((JSON.parse(next.text) as { error: { type: string } }).error.type, 'rate_limit_error');
    const retryAfter = Number(next.headers['retry-after']);
    assert.ok(retryAfter > 55 && retryAfter <= 60, String(retryAfter));
    assert.is(rig.anthropic.requests.length, anthSeen);
    // Sonnet is not Z.AI's business: it goes on to Anthropic as ever.
    assert.is((await postMessages(agent, message('claude-sonnet-4-5', false))).status, 200);
    await agent.close();
  });
});

test('bad paths are one line and exit 2, never a stack trace or a hang', async () => {
  const base = join(dir, 'paths');
  mkdirSync(join(base, 'logs'), { recursive: true });
  const aFile = join(base, 'a-file');
  writeFileSync(aFile, 'x');
  const env = {
    CCP_LOGS_DIR: join(base, 'logs'),
    CCP_RESULTS_DIR: join(base, 'results'),
    CCP_CA_DIR: join(base, 'ca'),
    CCP_ENV_FILE: join(base, 'sub-env.sh'),
    HOME: base,
    PATH: process.env.PATH!,
  };
  writeFileSync(usageLogPath(join(base, 'logs')), '');
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      'bundle',
      [],
      { BUNDLE_DIR: aFile },
      /a-file is a file, not a directory \(that path comes from BUNDLE_DIR \(or --out DIR\)/,
    ],
    [
      'bundle',
      ['--out', join(aFile, 'below')],
      {},
      /below is below a file, not a directory \(that path comes from --out/,
    ],
    ['bundle', [], { BUNDLE_DIR: '/proc/x' }, /\/proc\/x cannot be created/],
    ['bundle', ['--out', '/sys/ccp-x'], {}, /\/sys\/ccp-x cannot be created/],
    ['summarize', ['--file', base], {}, /paths is a directory, not a file \(that path comes from --file/],
    ['verify-routing', ['--file', join(base, 'missing.jsonl')], {}, /no log at .*missing\.jsonl/],
    ['report', ['--since', 'yesterday-ish'], {}, /--since: "yesterday-ish" is neither/],
    [
      'mitm',
      [],
      { CCP_LOGS_DIR: aFile, MITM_PORT: '8199' },
      /could not start: .*a-file is a file, not a directory \(that path comes from CCP_LOGS_DIR/,
    ],
    [
      'env',
      [],
      { CCP_ENV_FILE: join(aFile, 'sub-env.sh') },
      /a-file is a file, not a directory \(that path comes from CCP_ENV_FILE/,
    ],
  ];
  for (const [task, args, extra, want] of cases) {
    const r = await within(
      40_000,
      npmRun(task, args, { ...env, ...extra }, { extendEnv: false, timeout: 30_000 }),
      `${task} ${args.join(' ')}`,
    );
    const err = String(r.stderr).trim();
    assert.is(r.exitCode, 2, `${task} ${JSON.stringify(extra)}: exit ${r.exitCode} ${err}`);
    assert.not.ok(r.timedOut, task);
    assert.match(err, want, `${task}: ${err}`);
    assert.not.match(err, /\n\s+at /, `${task}: no stack trace`);
  }
});

test('no permission: an unreadable --file and a read-only BUNDLE_DIR are one line each, exit 2', async () => {
  // As root every file is readable, so the task runs as root without the capabilities that override file
  // permissions (setpriv, util-linux): the checkout stays reachable even in a private (0700) directory,
  // where another user could not enter it. A developer who is not root runs it as themselves.
  const base = mkdtempSync(join(tmpdir(), 'ccp-perm-'));
  try {
    chmodSync(base, 0o755);
    const locked = join(base, 'locked.jsonl');
    writeFileSync(locked, '{}\n');
    chmodSync(locked, 0o000);
    const ro = join(base, 'read-only');
    mkdirSync(ro, { mode: 0o555 });
    chmodSync(ro, 0o555);
    const env = {
      HOME: base,
      PATH: process.env.PATH!,
      CCP_LOGS_DIR: join(base, 'logs'),
      CCP_RESULTS_DIR: join(base, 'results'),
      CCP_CA_DIR: join(base, 'ca'),
      FORCE_COLOR: '0',
    };
    const asUser = (task: string, args: string[], extra: Record<string, string>) => {
      const cmd = ['npm', 'run', '-s', task, ...(args.length ? ['--', ...args] : [])];
      const e = { ...env, ...extra };
      return process.getuid?.() === 0
        ? execa(
            'setpriv',
            [
              '--bounding-set=-dac_override,-dac_read_search,-fowner',
              '--',
              'env',
              ...Object.entries(e).map(([k, v]) => `${k}=${v}`),
              ...cmd,
            ],
            { cwd: REPO_ROOT, extendEnv: false, reject: false, timeout: 30_000 },
          )
        : execa(cmd[0]!, cmd.slice(1), { cwd: REPO_ROOT, env: e, extendEnv: false, reject: false, timeout: 30_000 });
    };
    const read = await asUser('summarize', ['--file', locked], {});
    assert.is(read.exitCode, 2, read.stderr);
    assert.is(
      read.stderr.trim(),
      `ccp: ${locked} is not accessible (no permission) (that path comes from --file: change it or fix the path)`,
    );
    const write = await asUser('bundle', [], { BUNDLE_DIR: join(ro, 'bundles') });
    assert.is(write.exitCode, 2, write.stderr);
    assert.is(
      write.stderr.trim(),
      `ccp: ${join(ro, 'bundles')} cannot be created: ${ro} is not writable (that path comes from BUNDLE_DIR (or --out DIR): change it or fix the path)`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('summarize --file reads another log without replacing results/METRICS.json', async () => {
  const base = join(dir, 'metrics');
  mkdirSync(join(base, 'results'), { recursive: true });
  const metrics = join(base, 'results', 'METRICS.json');
  writeFileSync(metrics, '{"mine":true}\n');
  const other = join(base, 'other.jsonl');
  writeFileSync(
    other,
    `${JSON.stringify({ v: 1, event: 'complete', ts: 1, rid: 'r', attempt: 1, lane: 'anthropic', decision: 'pass_through', path: '/v1/messages', status: 200, model: 'claude-sonnet-4-5' })}\n`,
  );
  const r = await npmRun(
    'summarize',
    ['--file', other],
    { CCP_RESULTS_DIR: join(base, 'results'), CCP_LOGS_DIR: join(base, 'logs'), HOME: base, PATH: process.env.PATH! },
    { extendEnv: false },
  );
  assert.is(r.exitCode, 0, String(r.stderr));
  assert.is(readFileSync(metrics, 'utf8'), '{"mine":true}\n');
  assert.match(String(r.stdout), 'results/METRICS.json left as it was');
});

test('doctor names the port this shell sourced when no proxy runs there', async () => {
  const base = join(dir, 'doctor');
  const port = await freePort();
  const r = await npmRun(
    'doctor',
    [],
    {
      CCP_LOGS_DIR: join(base, 'logs'),
      CCP_CA_DIR: join(base, 'ca'),
      HOME: base,
      PATH: process.env.PATH!,
      HTTPS_PROXY: `http://127.0.0.1:${port}`,
    },
    { extendEnv: false },
  );
  assert.is(r.exitCode, 1);
  assert.match(
    String(r.stdout),
    `FAIL  proxy running: no proxy: logs/mitm.pid is missing or stale (this shell points at port ${port})\n      fix: MITM_PORT=${port} npm run mitm`,
  );
});

test.run();

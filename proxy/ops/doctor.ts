// npm run doctor: checks the current shell and the running proxy, one line per check with the exact
// one-line fix for anything not OK. The environment checked is passed in (the shell's, in the task).
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { execa } from 'execa';
import { caPaths } from '../common/ca-files.js';
import type { Config } from '../common/config.js';
import { findRunning, type Running } from './control-client.js';
import { listeningAddresses } from './port-owner.js';
import { inflightLine, quotaLine } from './status-format.js';
import { exhaustedWindows } from '../common/proxy-status.js';
import { localProxyPort, startCommand, zaiKeyFix } from '../common/start-command.js';
import { remoteWriteCheck } from './remote-write-check.js';
import { ensureDir, PathError } from '../common/dirs.js';

export type CheckStatus = 'OK' | 'WARN' | 'FAIL';

export interface CheckResult {
  status: CheckStatus;
  name: string;
  detail: string;
  /** The one-line fix, for anything not OK. */
  fix?: string;
}

const HOST = 'api.anthropic.com';

/** Does a NO_PROXY value exempt `host` from the proxy (so the API would bypass it)? */
export function noProxyCovers(noProxy: string | undefined, host = HOST): boolean {
  if (!noProxy) return false;
  return noProxy
    .split(',')
    .map((e) => e.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter(Boolean)
    .some(
      (e) =>
        e === '*' ||
        e === host ||
        host.endsWith(e.startsWith('.') ? e : `.${e}`) ||
        (e.startsWith('*.') && host.endsWith(e.slice(1))),
    );
}

/** A CONNECT to the API host through the proxy and a TLS handshake: which certificate answers? No DNS, no upstream. */
export async function interceptedCertificate(port: number, timeoutMs = 5000): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'CONNECT', path: `${HOST}:443`, timeout: timeoutMs });
    req.on('timeout', () => req.destroy(new Error('CONNECT timed out')));
    req.on('error', reject);
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`CONNECT answered ${res.statusCode}`));
        return;
      }
      const t = tls.connect({ socket, servername: HOST, rejectUnauthorized: false }, () => {
        const peer = t.getPeerX509Certificate();
        t.destroy();
        if (peer) resolve(peer);
        else reject(new Error('no certificate'));
      });
      t.on('error', reject);
      t.setTimeout(timeoutMs, () => t.destroy(new Error('TLS handshake timed out')));
    });
    req.end();
  });
}

export interface DoctorOptions {
  config: Config;
  /** The environment of the shell being checked. */
  env: Record<string, string | undefined>;
  home?: string;
  claude?: string;
}

/** The results so far and what every check needs to know. */
class Checks {
  readonly out: CheckResult[] = [];
  /** The port the shell should point at: the running proxy's, else the one this shell sourced, else the configured one. */
  readonly port: number;
  readonly source: string;
  /** The exact command that starts the proxy where this shell looks for it. */
  readonly start: string;

  constructor(
    readonly opts: DoctorOptions,
    readonly running: Running,
  ) {
    const sourced = localProxyPort(opts.env.HTTPS_PROXY ?? opts.env.https_proxy);
    this.port = running.kind === 'running' ? running.state.port : (sourced ?? opts.config.port);
    this.source = `source env/sub-env.sh ${this.port}`;
    this.start = startCommand(this.port);
  }

  add(status: CheckStatus, name: string, detail: string, fix?: string): void {
    this.out.push({ status, name, detail, ...(status !== 'OK' && fix ? { fix } : {}) });
  }
}

function checkProxy(c: Checks): void {
  const r = c.running;
  if (r.kind === 'running')
    c.add('OK', 'proxy running', `pid ${r.state.pid} on 127.0.0.1:${r.state.port}, verified on its control endpoint`);
  else if (r.kind === 'unverified')
    c.add(
      'FAIL',
      'proxy running',
      `pid ${r.pid} from logs/mitm.pid does not answer as this kit's proxy (${r.why})`,
      'npm run stop -- --force   # only if that pid is yours; then: npm run mitm',
    );
  else
    c.add(
      'FAIL',
      'proxy running',
      `no proxy: logs/mitm.pid is missing or stale${c.port !== c.opts.config.port ? ` (this shell points at port ${c.port})` : ''}`,
      c.start,
    );
}

function checkHttpsProxy(c: Checks): void {
  const value = c.opts.env.HTTPS_PROXY ?? c.opts.env.https_proxy;
  if (localProxyPort(value) === c.port && value?.startsWith('https:'))
    c.add(
      'FAIL',
      'HTTPS_PROXY',
      `is ${value}: that asks for TLS to the proxy itself, with a certificate for 127.0.0.1, which the kit's CA ` +
        '(name-constrained to api.anthropic.com) can never issue; Claude Code 2.1.337 then fails every request ' +
        'with "SSL certificate verification failed (PERMITTED_VIOLATION)" (measured)',
      `export HTTPS_PROXY=http://127.0.0.1:${c.port}   # or: ${c.source}`,
    );
  else if (localProxyPort(value) === c.port) c.add('OK', 'HTTPS_PROXY', `points at the proxy (${value})`);
  else
    c.add(
      'FAIL',
      'HTTPS_PROXY',
      value
        ? `is ${value}, not http://127.0.0.1:${c.port}`
        : 'is not set: claude from this shell goes straight to Anthropic',
      c.source,
    );
}

function checkExtraCa(c: Checks): void {
  const wantFp = c.running.kind === 'running' ? c.running.state.ca_fingerprint : undefined;
  const extra = c.opts.env.NODE_EXTRA_CA_CERTS;
  let extraFp: string | undefined;
  try {
    extraFp = extra ? new X509Certificate(readFileSync(extra)).fingerprint256 : undefined;
  } catch {
    extraFp = undefined;
  }
  if (!extra) c.add('FAIL', 'NODE_EXTRA_CA_CERTS', 'is not set: claude will reject the proxy certificate', c.source);
  else if (!extraFp) c.add('FAIL', 'NODE_EXTRA_CA_CERTS', `${extra} is not a readable certificate`, c.source);
  else if (wantFp && extraFp !== wantFp)
    c.add('FAIL', 'NODE_EXTRA_CA_CERTS', `${extra} is not the running proxy's CA (fingerprint differs)`, c.source);
  else c.add('OK', 'NODE_EXTRA_CA_CERTS', `${extra}${wantFp ? ', fingerprint matches the running proxy' : ''}`);
}

async function checkInterception(c: Checks): Promise<void> {
  if (c.running.kind !== 'running') {
    c.add('WARN', `CONNECT ${HOST}`, 'not checked: no running proxy', c.start);
    return;
  }
  const { state } = c.running;
  try {
    const peer = await interceptedCertificate(state.port);
    const ca = new X509Certificate(readFileSync(state.ca_cert));
    if (peer.checkIssued(ca) && peer.verify(ca.publicKey))
      c.add('OK', `CONNECT ${HOST}`, 'intercepted: the handshake presents a certificate issued by the kit CA');
    else
      c.add(
        'FAIL',
        `CONNECT ${HOST}`,
        `answered by a certificate from ${peer.issuer.split('\n').join(', ')}, not the kit CA`,
        'npm run stop && npm run mitm',
      );
  } catch (e) {
    c.add(
      'FAIL',
      `CONNECT ${HOST}`,
      `no TLS interception through the proxy (${(e as Error).message})`,
      'npm run stop && npm run mitm',
    );
  }
}

function checkShellVariables(c: Checks): void {
  const { env } = c.opts;
  for (const v of ['ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN'] as const) {
    if (env[v])
      c.add(
        'FAIL',
        v,
        v === 'ANTHROPIC_BASE_URL'
          ? `is set (${env[v]}): claude would route around the proxy`
          : 'is set: that token would be sent as a bearer to every host claude calls',
        `unset ${v}`,
      );
    else c.add('OK', v, 'not set');
  }
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  if (noProxyCovers(noProxy))
    c.add(
      'FAIL',
      'NO_PROXY',
      `"${noProxy}" covers ${HOST}: its requests would bypass the proxy`,
      `export NO_PROXY=127.0.0.1,localhost`,
    );
  else c.add('OK', 'NO_PROXY', noProxy ? `"${noProxy}" leaves ${HOST} to the proxy` : 'not set');
}

async function checkClaude(c: Checks): Promise<void> {
  const settings = join(c.opts.home ?? homedir(), '.claude', 'settings.json');
  try {
    const j = existsSync(settings)
      ? (JSON.parse(readFileSync(settings, 'utf8')) as { env?: Record<string, unknown> })
      : undefined;
    if (j?.env && 'NODE_EXTRA_CA_CERTS' in j.env)
      c.add(
        'WARN',
        '~/.claude/settings.json',
        'sets NODE_EXTRA_CA_CERTS in env, which Claude Code ignores',
        `export NODE_EXTRA_CA_CERTS in the shell instead (${c.source})`,
      );
    else c.add('OK', '~/.claude/settings.json', j ? 'does not rely on NODE_EXTRA_CA_CERTS' : 'not present');
  } catch (e) {
    c.add(
      'WARN',
      '~/.claude/settings.json',
      `unreadable (${(e as Error).message.split('\n')[0]})`,
      `fix the JSON in ${settings}`,
    );
  }
  const claude = await execa(c.opts.claude ?? 'claude', ['--version'], {
    reject: false,
    timeout: 30_000,
    stdin: 'ignore',
    env: { ...c.opts.env } as Record<string, string>,
  }).catch(() => undefined);
  if (claude && claude.exitCode === 0) c.add('OK', 'claude', String(claude.stdout).trim());
  else c.add('WARN', 'claude', 'not found on PATH', 'npm install -g @anthropic-ai/claude-code');
}

function checkCa(c: Checks): void {
  const { certPath: ownCert, keyPath } = caPaths(c.opts.config.caDir);
  const certPath = c.running.kind === 'running' ? c.running.state.ca_cert : ownCert;
  try {
    const x = new X509Certificate(readFileSync(certPath));
    const days = Math.floor((Date.parse(x.validTo) - Date.now()) / 86_400_000);
    if (days < 30)
      c.add(
        'WARN',
        'CA validity',
        `expires in ${days} days`,
        'npm run stop && npm run mitm   # renews a CA that is about to expire',
      );
    else c.add('OK', 'CA validity', `${days} days left`);
  } catch {
    c.add('WARN', 'CA validity', 'no CA yet', c.start);
  }
  if (existsSync(keyPath)) {
    const mode = statSync(keyPath).mode & 0o777;
    if (mode === 0o600) c.add('OK', 'CA key permissions', `${keyPath} is 0600`);
    else
      c.add('FAIL', 'CA key permissions', `${keyPath} is ${mode.toString(8).padStart(4, '0')}`, `chmod 600 ${keyPath}`);
  }
}

/** The running proxy's key is what matters while it runs; this shell's and .env's only for the next start. */
function checkZaiKey(c: Checks): void {
  const { config } = c.opts;
  if (c.running.kind === 'running') {
    const s = c.running.status;
    if (s.zai_key_set) c.add('OK', 'Z.AI key', `set in the running proxy; header mode ${s.zai_header_mode}`);
    else
      c.add(
        'WARN',
        'Z.AI key',
        'the running proxy has no ZAI_API_KEY: Haiku stays on Anthropic (decision no_zai_key)',
        `${zaiKeyFix()}, then: npm run stop && ${c.start}`,
      );
    return;
  }
  if (config.zaiApiKey)
    c.add('OK', 'Z.AI key', `set for the next start (this shell or .env); header mode ${config.zaiHeaderMode}`);
  else
    c.add(
      'WARN',
      'Z.AI key',
      'ZAI_API_KEY is set neither in this shell nor in .env: a proxy started now keeps Haiku on Anthropic (no_zai_key)',
      `${zaiKeyFix()}, then: ${c.start}`,
    );
}

/** What the running proxy learned of the Z.AI lane: a cooldown, and why (the user acts on auth, plan and model). */
const COOLDOWN_FIX: Record<string, string> = {
  auth: 'check ZAI_API_KEY (and ZAI_HEADER_MODE) in .env, then: npm run stop && npm run mitm',
  plan: 'top up or renew the Z.AI plan, then: npm run stop && npm run mitm',
  model: 'set ZAI_MODEL_MAP (e.g. haiku=glm-4.5-air) in .env, then: npm run stop && npm run mitm',
};

function checkZaiLane(c: Checks): void {
  if (c.running.kind !== 'running') return;
  const s = c.running.status;
  if (!s.zai_cooldown_until) {
    c.add('OK', 'Z.AI lane', `not cooling down; ${inflightLine(s)}`);
    return;
  }
  const meanwhile =
    s.run?.fallback === false
      ? 'Haiku requests get an error from the proxy meanwhile (CCP_FALLBACK=0)'
      : 'Haiku goes to Anthropic meanwhile';
  const detail = `cooling down (${s.zai_cooldown_reason}) until ${s.zai_cooldown_until}: ${s.zai_cooldown_why}; ${meanwhile}`;
  const fix = COOLDOWN_FIX[s.zai_cooldown_reason ?? ''];
  c.add(fix ? 'FAIL' : 'WARN', 'Z.AI lane', detail, fix ?? 'nothing to do: it ends by itself');
}

/** The Z.AI plan's quota as the running proxy last read it. An unknown quota is a warning, never a failure: routing is unchanged. */
function checkZaiQuota(c: Checks): void {
  if (c.running.kind !== 'running' || !c.opts.config.zaiApiKey) return;
  const s = c.running.status;
  const q = s.zai_quota;
  const line = quotaLine(s);
  if (!q || q.error)
    c.add(
      'WARN',
      'Z.AI quota',
      line,
      q?.error ? "check ZAI_API_KEY and that ZAI_BASE_URL's host serves /api/monitor/usage/quota/limit" : undefined,
    );
  else if (exhaustedWindows(q, s.zai_quota_stop_pct).length)
    c.add('WARN', 'Z.AI quota', `${line}: Haiku is on Anthropic until the window resets`);
  else c.add('OK', 'Z.AI quota', line);
}

function checkLogsDir(c: Checks): void {
  const dir = c.opts.config.logsDir;
  try {
    ensureDir(dir);
    accessSync(dir, constants.W_OK);
    c.add('OK', 'log directory', `${dir} is writable`);
  } catch (e) {
    const problem = e instanceof PathError ? e.message : `${dir} is not writable`;
    c.add(
      'FAIL',
      'log directory',
      problem,
      e instanceof PathError && /file, not a directory/.test(e.problem)
        ? 'set CCP_LOGS_DIR to a directory'
        : `chmod u+w ${dir}   # or set CCP_LOGS_DIR`,
    );
  }
}

function checkLoopback(c: Checks): void {
  if (c.running.kind !== 'running') return;
  const port = c.running.state.port;
  const listening = listeningAddresses(port);
  if (listening.length && listening.every((a) => a === '127.0.0.1'))
    c.add('OK', 'loopback only', `port ${port} listens on 127.0.0.1 only`);
  else if (!listening.length)
    c.add('WARN', 'loopback only', 'could not read the listening sockets (no /proc, and lsof gave nothing)');
  else
    c.add('FAIL', 'loopback only', `port ${port} listens on ${listening.join(', ')}`, 'npm run stop && npm run mitm');
}

/** CCP_REMOTE_WRITE_URL: one write of a probe series, the way the proxy pushes (ops/remote-write-check.ts). */
async function checkRemoteWrite(c: Checks): Promise<void> {
  const r = await remoteWriteCheck(c.opts.config);
  if (r) c.add(r.status, 'remote_write', r.detail, r.fix);
}

export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const c = new Checks(opts, await findRunning(opts.config.logsDir));
  checkProxy(c);
  checkHttpsProxy(c);
  checkExtraCa(c);
  await checkInterception(c);
  checkShellVariables(c);
  await checkClaude(c);
  checkCa(c);
  checkZaiKey(c);
  checkZaiLane(c);
  checkZaiQuota(c);
  await checkRemoteWrite(c);
  checkLogsDir(c);
  checkLoopback(c);
  return c.out;
}

export function formatDoctor(results: CheckResult[]): string {
  return results
    .map((r) => `${r.status.padEnd(4)}  ${r.name}: ${r.detail}${r.fix ? `\n      fix: ${r.fix}` : ''}`)
    .join('\n');
}

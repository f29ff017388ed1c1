// npm run doctor: checks the current shell and the running proxy, one line per check with the exact
// one-line fix for anything not OK. The environment checked is passed in (the shell's, in the task).
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { execa } from 'execa';
import { caPaths } from '../common/ca-files.js';
import type { Config } from '../common/config.js';
import { findRunning, type Running } from './control-client.js';
import { listeningSockets } from './port-owner.js';

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
    .some((e) => e === '*' || e === host || host.endsWith(e.startsWith('.') ? e : `.${e}`) || (e.startsWith('*.') && host.endsWith(e.slice(1))));
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

function proxyUrlPort(value: string | undefined): number | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value);
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) || u.protocol !== 'http:') return undefined;
    return Number(u.port || 80);
  } catch {
    return undefined;
  }
}

export async function runDoctor(opts: { config: Config; env: Record<string, string | undefined>; home?: string; claude?: string }): Promise<CheckResult[]> {
  const { config, env } = opts;
  const out: CheckResult[] = [];
  const add = (status: CheckStatus, name: string, detail: string, fix?: string) => out.push({ status, name, detail, ...(status !== 'OK' && fix ? { fix } : {}) });
  const running: Running = await findRunning(config.logsDir);
  const port = running.kind === 'running' ? running.state.port : config.port;
  const source = `source env/sub-env.sh ${port}`;

  if (running.kind === 'running') add('OK', 'proxy running', `pid ${running.state.pid} on 127.0.0.1:${running.state.port}, verified on its control endpoint`);
  else if (running.kind === 'unverified') add('FAIL', 'proxy running', `pid ${running.pid} from logs/mitm.pid does not answer as this kit's proxy (${running.why})`, 'npm run stop -- --force   # only if that pid is yours; then: npm run mitm');
  else add('FAIL', 'proxy running', 'no proxy: logs/mitm.pid is missing or stale', 'npm run mitm');

  const proxyPort = proxyUrlPort(env.HTTPS_PROXY ?? env.https_proxy);
  if (proxyPort === port) add('OK', 'HTTPS_PROXY', `points at the proxy (${env.HTTPS_PROXY ?? env.https_proxy})`);
  else add('FAIL', 'HTTPS_PROXY', env.HTTPS_PROXY || env.https_proxy ? `is ${env.HTTPS_PROXY ?? env.https_proxy}, not http://127.0.0.1:${port}` : 'is not set: claude from this shell goes straight to Anthropic', source);

  const certPath = running.kind === 'running' ? running.state.ca_cert : caPaths(config.caDir).certPath;
  const wantFp = running.kind === 'running' ? running.state.ca_fingerprint : undefined;
  const extra = env.NODE_EXTRA_CA_CERTS;
  let extraFp: string | undefined;
  try {
    extraFp = extra ? new X509Certificate(readFileSync(extra)).fingerprint256 : undefined;
  } catch {
    extraFp = undefined;
  }
  if (!extra) add('FAIL', 'NODE_EXTRA_CA_CERTS', 'is not set: claude will reject the proxy certificate', source);
  else if (!extraFp) add('FAIL', 'NODE_EXTRA_CA_CERTS', `${extra} is not a readable certificate`, source);
  else if (wantFp && extraFp !== wantFp) add('FAIL', 'NODE_EXTRA_CA_CERTS', `${extra} is not the running proxy's CA (fingerprint differs)`, source);
  else add('OK', 'NODE_EXTRA_CA_CERTS', `${extra}${wantFp ? ', fingerprint matches the running proxy' : ''}`);

  if (running.kind === 'running') {
    try {
      const peer = await interceptedCertificate(running.state.port);
      const ca = new X509Certificate(readFileSync(running.state.ca_cert));
      if (peer.checkIssued(ca) && peer.verify(ca.publicKey)) add('OK', `CONNECT ${HOST}`, 'intercepted: the handshake presents a certificate issued by the kit CA');
      else add('FAIL', `CONNECT ${HOST}`, `answered by a certificate from ${peer.issuer.split('\n').join(', ')}, not the kit CA`, 'npm run stop && npm run mitm');
    } catch (e) {
      add('FAIL', `CONNECT ${HOST}`, `no TLS interception through the proxy (${(e as Error).message})`, 'npm run stop && npm run mitm');
    }
  } else {
    add('WARN', `CONNECT ${HOST}`, 'not checked: no running proxy', 'npm run mitm');
  }

  for (const v of ['ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN'] as const) {
    if (env[v]) add('FAIL', v, v === 'ANTHROPIC_BASE_URL' ? `is set (${env[v]}): claude would route around the proxy` : 'is set: that token would be sent as a bearer to every host claude calls', `unset ${v}`);
    else add('OK', v, 'not set');
  }

  const noProxy = env.NO_PROXY ?? env.no_proxy;
  if (noProxyCovers(noProxy)) add('FAIL', 'NO_PROXY', `"${noProxy}" covers ${HOST}: its requests would bypass the proxy`, `export NO_PROXY=127.0.0.1,localhost`);
  else add('OK', 'NO_PROXY', noProxy ? `"${noProxy}" leaves ${HOST} to the proxy` : 'not set');

  const settings = join(opts.home ?? homedir(), '.claude', 'settings.json');
  try {
    const j = existsSync(settings) ? (JSON.parse(readFileSync(settings, 'utf8')) as { env?: Record<string, unknown> }) : undefined;
    if (j?.env && 'NODE_EXTRA_CA_CERTS' in j.env) add('WARN', '~/.claude/settings.json', 'sets NODE_EXTRA_CA_CERTS in env, which Claude Code ignores', `export NODE_EXTRA_CA_CERTS in the shell instead (${source})`);
    else add('OK', '~/.claude/settings.json', j ? 'does not rely on NODE_EXTRA_CA_CERTS' : 'not present');
  } catch (e) {
    add('WARN', '~/.claude/settings.json', `unreadable (${(e as Error).message.split('\n')[0]})`, `fix the JSON in ${settings}`);
  }

  const claude = await execa(opts.claude ?? 'claude', ['--version'], { reject: false, timeout: 30_000, stdin: 'ignore', env: { ...env } as Record<string, string> }).catch(() => undefined);
  if (claude && claude.exitCode === 0) add('OK', 'claude', String(claude.stdout).trim());
  else add('WARN', 'claude', 'not found on PATH', 'npm install -g @anthropic-ai/claude-code');

  const { keyPath } = caPaths(config.caDir);
  try {
    const x = new X509Certificate(readFileSync(certPath));
    const days = Math.floor((Date.parse(x.validTo) - Date.now()) / 86_400_000);
    if (days < 30) add('WARN', 'CA validity', `expires in ${days} days`, 'npm run stop && npm run mitm   # renews a CA that is about to expire');
    else add('OK', 'CA validity', `${days} days left`);
  } catch {
    add('WARN', 'CA validity', 'no CA yet', 'npm run mitm');
  }
  if (existsSync(keyPath)) {
    const mode = statSync(keyPath).mode & 0o777;
    if (mode === 0o600) add('OK', 'CA key permissions', `${keyPath} is 0600`);
    else add('FAIL', 'CA key permissions', `${keyPath} is ${mode.toString(8).padStart(4, '0')}`, `chmod 600 ${keyPath}`);
  }

  if (config.zaiApiKey) add('OK', 'Z.AI key', `set; header mode ${config.zaiHeaderMode}`);
  else add('WARN', 'Z.AI key', 'ZAI_API_KEY is not set: Haiku stays on Anthropic (decision no_zai_key)', 'put ZAI_API_KEY=… in .env and restart: npm run stop && npm run mitm');

  try {
    mkdirSync(config.logsDir, { recursive: true });
    accessSync(config.logsDir, constants.W_OK);
    add('OK', 'log directory', `${config.logsDir} is writable`);
  } catch {
    add('FAIL', 'log directory', `${config.logsDir} is not writable`, `chmod u+w ${config.logsDir}   # or set CCP_LOGS_DIR`);
  }

  if (running.kind === 'running') {
    const listening = listeningSockets(running.state.port).map((l) => l.address);
    if (listening.length && listening.every((a) => a === '127.0.0.1')) add('OK', 'loopback only', `port ${running.state.port} listens on 127.0.0.1 only`);
    else if (!listening.length) add('WARN', 'loopback only', 'could not read the listening sockets (not Linux?)');
    else add('FAIL', 'loopback only', `port ${running.state.port} listens on ${listening.join(', ')}`, 'npm run stop && npm run mitm');
  }
  return out;
}

export function formatDoctor(results: CheckResult[]): string {
  return results
    .map((r) => `${r.status.padEnd(4)}  ${r.name}: ${r.detail}${r.fix ? `\n      fix: ${r.fix}` : ''}`)
    .join('\n');
}

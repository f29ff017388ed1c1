// The burst benchmark's peers, each started on 127.0.0.1 in front of the same fake upstream: a plain
// nginx TLS hop (the floor a TLS-terminating hop can reach) and mitmproxy (the HTTPS MITM proxy most
// users know). Both come from Debian's packages; a peer that is not installed is left out and said.
// Stopped by PID, never by name.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createTestTls } from '../test-ca.js';
import { freePort } from '../proxy-process.js';

export interface Peer {
  name: 'nginx' | 'mitmproxy';
  /** What a client connects to (nginx: the origin itself; mitmproxy: an HTTPS proxy). */
  origin?: string;
  proxyUrl?: string;
  /** The CA a client of this peer must trust. */
  ca: string;
  stop(): Promise<void>;
}

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin']))
    if (existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}

async function waitForPort(port: number, ms: number, child: ChildProcess, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${ms} ms`);
}

/** Peers still running: killed by PID if the bench itself exits first (an uncaught error included). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null) c.kill('SIGTERM');
});

function stopper(child: ChildProcess): () => Promise<void> {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return async () => {
    if (child.exitCode !== null || !child.pid) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
}

/** nginx in the foreground, its own prefix in `dir`, TLS (an ECDSA P-256 leaf, as the proxy's) → the fake over HTTPS, kept alive. */
export async function startNginx(dir: string, upstream: URL, upstreamCaPath: string): Promise<Peer | undefined> {
  const bin = onPath('nginx');
  if (!bin) return undefined;
  const home = join(dir, 'nginx');
  mkdirSync(join(home, 'logs'), { recursive: true });
  const tls = await createTestTls('bench nginx CA');
  writeFileSync(join(home, 'cert.pem'), tls.cert);
  writeFileSync(join(home, 'key.pem'), tls.key, { mode: 0o600 });
  const port = await freePort();
  writeFileSync(
    join(home, 'nginx.conf'),
    `worker_processes auto;
daemon off;
pid ${home}/nginx.pid;
error_log ${home}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream fake { server ${upstream.host}; keepalive 256; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${home}/cert.pem;
    ssl_certificate_key ${home}/key.pem;
    location / {
      proxy_pass https://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_trusted_certificate ${upstreamCaPath};
      proxy_ssl_verify on;
      proxy_ssl_name localhost;
      proxy_ssl_session_reuse on;
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`,
  );
  const child = spawn(bin, ['-p', home, '-c', join(home, 'nginx.conf')], { stdio: 'ignore' });
  await waitForPort(port, 10_000, child, 'nginx');
  return { name: 'nginx', origin: `https://127.0.0.1:${port}`, ca: tls.caCert, stop: stopper(child) };
}

/** mitmdump as an HTTPS proxy, streaming bodies (without it mitmproxy buffers every answer), trusting the fake's CA. */
export async function startMitmproxy(dir: string, upstreamCaPath: string): Promise<Peer | undefined> {
  const bin = onPath('mitmdump');
  if (!bin) return undefined;
  const confdir = join(dir, 'mitmproxy');
  mkdirSync(confdir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    bin,
    [
      '--listen-host',
      '127.0.0.1',
      '--listen-port',
      String(port),
      '--set',
      `confdir=${confdir}`,
      '--set',
      'stream_large_bodies=1',
      '--set',
      `ssl_verify_upstream_trusted_ca=${upstreamCaPath}`,
      '-q',
    ],
    { stdio: 'ignore' },
  );
  await waitForPort(port, 30_000, child, 'mitmdump');
  const caFile = join(confdir, 'mitmproxy-ca-cert.pem');
  return {
    name: 'mitmproxy',
    proxyUrl: `http://127.0.0.1:${port}`,
    ca: readFileSync(caFile, 'utf8'),
    stop: stopper(child),
  };
}

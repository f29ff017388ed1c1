// Who listens on a TCP port, so a busy port is a clear error rather than a mystery.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';

export interface PortOwner {
  pid: number;
  command: string;
}

export interface ListeningSocket {
  /** Local address, dotted IPv4 or the raw hex of an IPv6 one ('::' and '::1' spelled out). */
  address: string;
  inode: string;
}

function decodeAddress(hex: string, v6: boolean): string {
  if (!v6)
    return hex
      .match(/../g)!
      .reverse()
      .map((b) => parseInt(b, 16))
      .join('.');
  if (hex === '00000000000000000000000000000000') return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

interface ListenEntry extends ListeningSocket {
  port: number;
}

/** Every listening TCP socket on this machine, from /proc/net/tcp{,6} (Linux; empty elsewhere). */
function listenEntries(): ListenEntry[] {
  const out: ListenEntry[] = [];
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; inode is column 10.
      if (cols.length <= 9 || cols[3] !== '0A') continue;
      const [ip, port] = cols[1]!.split(':');
      out.push({ address: decodeAddress(ip!, v6), port: parseInt(port!, 16), inode: cols[9]! });
    }
  }
  return out;
}

/** Sockets listening on `port` (Linux; empty elsewhere). */
export function listeningSockets(port: number): ListeningSocket[] {
  return listenEntries()
    .filter((e) => e.port === port)
    .map(({ address, inode }) => ({ address, inode }));
}

/** Inodes of the sockets process `pid` holds open, from /proc/PID/fd (Linux). */
function socketInodes(pid: number | string): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** TCP ports process `pid` listens on (Linux; empty elsewhere). */
export function listeningPorts(pid: number): number[] {
  const inodes = socketInodes(pid);
  return [
    ...new Set(
      listenEntries()
        .filter((e) => inodes.has(e.inode))
        .map((e) => e.port),
    ),
  ].sort((a, b) => a - b);
}

function fromProc(port: number): PortOwner | undefined {
  const wanted = new Set(listeningSockets(port).map((l) => l.inode));
  if (wanted.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (![...socketInodes(entry)].some((i) => wanted.has(i))) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // gone meanwhile
    }
    return { pid: Number(entry), command };
  }
  return undefined;
}

export interface LsofProcess {
  pid: number;
  command: string;
  /** Local addresses of its listening sockets, e.g. 127.0.0.1, * (every interface), [::1]. */
  addresses: string[];
}

/**
 * `lsof -nP -iTCP:PORT -sTCP:LISTEN -Fpcn` output (macOS, and Linux without /proc): one field per line,
 * `p` pid, `c` command, `f` file descriptor, `n` name ("127.0.0.1:8082", "*:8082", "[::1]:8082"). Pure.
 */
export function parseLsof(out: string): LsofProcess[] {
  const procs: LsofProcess[] = [];
  for (const line of out.split('\n')) {
    const [tag, value] = [line[0], line.slice(1)];
    if (tag === 'p') procs.push({ pid: Number(value), command: '', addresses: [] });
    const cur = procs.at(-1);
    if (!cur) continue;
    if (tag === 'c') cur.command = value;
    if (tag === 'n') cur.addresses.push(value.slice(0, value.lastIndexOf(':')));
  }
  return procs.filter((p) => Number.isInteger(p.pid) && p.pid > 0);
}

/** macOS (and Linux without /proc): who listens on `port`, by lsof. */
function lsofListeners(port: number): LsofProcess[] {
  try {
    return parseLsof(
      execFileSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpcn'], { encoding: 'utf8', timeout: 3000 }),
    );
  } catch {
    return [];
  }
}

/** Best effort: /proc on Linux, lsof elsewhere; undefined when it cannot be told. */
export function findPortOwner(port: number): PortOwner | undefined {
  const fromLsof = () => lsofListeners(port).map(({ pid, command }) => ({ pid, command }))[0];
  return process.platform === 'linux' ? (fromProc(port) ?? fromLsof()) : fromLsof();
}

/** The local addresses `port` listens on: /proc on Linux, lsof elsewhere; empty when it cannot be told. */
export function listeningAddresses(port: number): string[] {
  if (process.platform === 'linux') return listeningSockets(port).map((l) => l.address);
  return lsofListeners(port).flatMap((p) => p.addresses);
}

/** Can this process listen on 127.0.0.1:port right now? (Tried, then closed at once.) */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The first port after `port` that is free now (the next `count` tried), for the hint a busy port gets. */
export async function freePortAfter(port: number, count = 50): Promise<number | undefined> {
  for (let p = port + 1; p <= Math.min(65535, port + count); p++) if (await portIsFree(p)) return p;
  return undefined;
}

// Who listens on a TCP port, so a busy port is a clear error rather than a mystery.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

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
  if (!v6) return hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.');
  if (hex === '00000000000000000000000000000000') return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

/** Sockets listening on `port`, from /proc/net/tcp{,6} (Linux; empty elsewhere). */
export function listeningSockets(port: number): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; inode is column 10.
      if (cols.length > 9 && cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') out.push({ address: decodeAddress(cols[1].split(':')[0]!, v6), inode: cols[9]! });
    }
  }
  return out;
}

function fromProc(port: number): PortOwner | undefined {
  const inodes = new Set(listeningSockets(port).map((l) => l.inode));
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) {
        let command = '';
        try {
          command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        } catch {
          // gone meanwhile
        }
        return { pid: Number(entry), command };
      }
    }
  }
  return undefined;
}

function fromLsof(port: number): PortOwner | undefined {
  try {
    const out = execFileSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { encoding: 'utf8', timeout: 3000 });
    const pid = /^p(\d+)$/m.exec(out)?.[1];
    const command = /^c(.+)$/m.exec(out)?.[1] ?? '';
    return pid ? { pid: Number(pid), command } : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: /proc on Linux, lsof elsewhere; undefined when it cannot be told. */
export function findPortOwner(port: number): PortOwner | undefined {
  return process.platform === 'linux' ? (fromProc(port) ?? fromLsof(port)) : fromLsof(port);
}

// The benchmark's clients: the same request direct to the fake upstream, through the proxy as an
// HTTPS proxy (MITM), and to the proxy as a base URL; and what is measured of the proxy process.
import { readFileSync } from 'node:fs';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { percentile } from '../../common/percentiles.js';
import { FAKE_ANTHROPIC_KEY } from '../rig.js';

export type Mode = 'direct' | 'mitm' | 'baseurl';
export const MODES: Mode[] = ['direct', 'mitm', 'baseurl'];

export interface Stats {
  n: number;
  p50?: number;
  p99?: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const r = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000) / 1000);
  return { n: s.length, p50: r(percentile(s, 50)), p99: r(percentile(s, 99)) };
}

/** One empty sample list per mode. */
export function perMode<T>(make: () => T): Record<Mode, T> {
  return { direct: make(), mitm: make(), baseurl: make() };
}

export function nowEpoch(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time and memory of a process, from /proc (the proxy runs as its own process). */
export function procStat(pid: number): { cpuMs: number; rssMb: number; hwmMb: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime (fields 14, 15)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { cpuMs: (ticks * 1000) / 100, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return { cpuMs: NaN, rssMb: NaN, hwmMb: NaN };
  }
}

const HEADERS = {
  'content-type': 'application/json',
  'x-api-key': FAKE_ANTHROPIC_KEY,
  'anthropic-version': '2023-06-01',
};

export class BenchClients {
  readonly origins: Record<Mode, string>;

  constructor(
    private readonly fakeCa: string,
    readonly mitmCa: string,
    readonly proxyPort: number,
    anthropicOrigin: string,
  ) {
    this.origins = {
      direct: anthropicOrigin,
      mitm: 'https://api.anthropic.com',
      baseurl: `http://127.0.0.1:${proxyPort}`,
    };
  }

  dispatchers(connections: number): Record<Mode, Dispatcher> {
    return {
      direct: new Agent({ connect: { ca: this.fakeCa }, connections }),
      mitm: this.mitm(connections),
      baseurl: new Agent({ connections }),
    };
  }

  mitm(connections: number): ProxyAgent {
    return new ProxyAgent({
      uri: `http://127.0.0.1:${this.proxyPort}`,
      requestTls: { ca: [this.mitmCa] },
      connections,
    });
  }

  /** POST /v1/messages in this mode, with a fresh headers object (undici's ProxyAgent writes a host header into the one it is given). */
  private send(d: Dispatcher, mode: Mode, body: string) {
    return request(`${this.origins[mode]}/v1/messages`, {
      dispatcher: d,
      method: 'POST',
      headers: { ...HEADERS },
      body,
    });
  }

  /** One request, answered 200; its time in ms. */
  async post(d: Dispatcher, mode: Mode, body: string): Promise<number> {
    const t0 = performance.now();
    const r = await this.send(d, mode, body);
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`${mode}: status ${r.statusCode}`);
    return performance.now() - t0;
  }

  /**
   * One stream: pushes each event's delivery delay (receive time − the fake's send stamp) to `delays`
   * and the time to its first chunk to `ttfe`; returns how many stamped events arrived.
   */
  async stream(d: Dispatcher, mode: Mode, body: string, delays: number[], ttfe: number[]): Promise<number> {
    const t0 = performance.now();
    const r = await this.send(d, mode, body);
    let buf = '';
    let got = 0;
    let firstSeen = false;
    for await (const chunk of r.body) {
      const recv = nowEpoch();
      if (!firstSeen) {
        ttfe.push(performance.now() - t0);
        firstSeen = true;
      }
      buf += chunk.toString();
      let idx: number;
      while ((idx = buf.indexOf('\n\n')) !== -1) {
        const ev = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const m = /"sent_at":([0-9.]+)/.exec(ev);
        if (m) {
          delays.push(recv - Number(m[1]));
          got++;
        }
      }
    }
    return got;
  }
}

export async function closeAll(ds: Record<Mode, Dispatcher> | Dispatcher[]): Promise<void> {
  for (const d of Object.values(ds)) await d.close();
}

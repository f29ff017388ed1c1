// A burst of new connections while streams are running (subagent fan-out, a session starting): 100
// streams run on warm connections, then 100 more open at once on new connections, from a process of
// their own (burst-child.ts) so that this one only measures. Measured per way in,
// interleaved in rounds of one run: time to first event of the burst's streams (each pays its TLS
// handshake), and the delivery delay of the running streams' events while the burst is served.
// Ways in: direct to the fake, a plain nginx TLS hop, the kit's proxy (MITM), mitmproxy (MITM).
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { REPO_ROOT } from '../../common/config.js';
import type { BurstDone, BurstGo } from './burst-child.js';
import { FAKE_ANTHROPIC_KEY } from '../rig.js';
import { nowEpoch, stats, type Stats } from './clients.js';
import type { Peer } from './peers.js';
import { freePort, startProxyProcess } from '../proxy-process.js';
import type { FakeProcessReady } from './fake-child.js';
import { startMitmproxy, startNginx } from './peers.js';

type Way = 'direct' | 'nginx' | 'proxy' | 'mitmproxy';

interface Entry {
  url: string;
  /** A fresh dispatcher for the running streams (warm: opened once). */
  dispatcher(connections: number): Dispatcher;
  /** How the burst's process reaches the same way in. */
  go: Omit<BurstGo, 'count' | 'body' | 'headers'>;
}

const HEADERS = {
  'content-type': 'application/json',
  'x-api-key': FAKE_ANTHROPIC_KEY,
  'anthropic-version': '2023-06-01',
};

/** A bench helper process (through the launcher, with an IPC channel) and its first message. */
async function startHelper<T>(file: string, args: string[] = []): Promise<{ child: ChildProcess; first: T }> {
  const child = fork(join(REPO_ROOT, 'tasks', 'launch.mjs'), [join('proxy', 'rig', 'bench', file), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  helpers.add(child);
  child.once('exit', () => helpers.delete(child));
  const first = await new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
  });
  return { child, first };
}

/** Helpers still running: stopped by PID if the bench exits first. */
const helpers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of helpers) if (c.exitCode === null) c.kill('SIGTERM');
});

/** The burst's own process (burst-child.ts). */
async function startBurstProcess(): Promise<{ go(g: BurstGo): Promise<BurstDone>; stop(): void }> {
  const { child } = await startHelper<'ready'>('burst-child.ts');
  return {
    go: (g) =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as BurstDone));
        child.send(g);
      }),
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

const STREAM = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  stream: true,
  messages: [{ role: 'user', content: 'stream' }],
});

interface Stamped {
  sentAt: number;
  delay: number;
}

/** One stream; resolves with its time to first chunk (ms) and every stamped event's delay. */
async function stream(d: Dispatcher, url: string): Promise<{ ttfe: number; events: Stamped[] }> {
  const t0 = performance.now();
  const r = await request(url, {
    dispatcher: d,
    method: 'POST',
    headers: { ...HEADERS }, // a fresh object: undici's ProxyAgent writes a host header into the one it is given
    body: STREAM,
  });
  let ttfe = -1;
  let buf = '';
  const events: Stamped[] = [];
  for await (const chunk of r.body) {
    const recv = nowEpoch();
    if (ttfe < 0) ttfe = performance.now() - t0;
    buf += chunk.toString();
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) !== -1) {
      const m = /"sent_at":([0-9.]+)/.exec(buf.slice(0, idx));
      buf = buf.slice(idx + 2);
      if (m) events.push({ sentAt: Number(m[1]), delay: recv - Number(m[1]) });
    }
  }
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  return { ttfe, events };
}

export interface BurstFigures {
  running: number;
  burst: number;
  rounds: number;
  ways: Partial<Record<Way, { burst_ttfe_ms: Stats; running_event_delay_ms: Stats; errors: number }>>;
  missing_peers: string[];
}

/**
 * The burst, on a stage of its own: fake upstreams in their own process, a proxy started as `npm run mitm`
 * starts it, nginx and mitmproxy (when installed) in front of the same fakes, and the burst's load from
 * its own process. This process only runs the running streams and measures.
 */
export async function burstScenario(
  opts: { quick: boolean; say(s: string): void },
  dir: string,
): Promise<BurstFigures> {
  const running = opts.quick ? 30 : 100;
  const burst = opts.quick ? 30 : 100;
  const rounds = opts.quick ? 2 : 3;
  const stage = join(dir, 'burst');
  const { child: fakeProcess, first: fakes } = await startHelper<FakeProcessReady>('fake-child.ts', [
    stage,
    '20',
    '50',
  ]);
  const env = {
    ...fakes.env,
    MITM_PORT: String(await freePort()),
    CCP_ENV_FILE: join(stage, 'sub-env.sh'),
    CCP_LOG_MAX_MB: '0',
  };
  const proxy = await startProxyProcess(env);
  const peers: Peer[] = [];
  const missing: string[] = [];
  const upstream = new URL(fakes.anthropicUrl);
  for (const [name, start] of [
    ['nginx', () => startNginx(stage, upstream, fakes.upstreamCaPath)],
    ['mitmproxy', () => startMitmproxy(stage, fakes.upstreamCaPath)],
  ] as const) {
    const peer = await start().catch((e: Error) => {
      opts.say(`burst: ${name} did not start: ${e.message}`);
      return undefined;
    });
    if (peer) peers.push(peer);
    else missing.push(name);
  }
  if (missing.length)
    opts.say(`burst: not installed or not started: ${missing.join(', ')} (apt-get install nginx-light mitmproxy)`);
  try {
    return await measureBurst(
      opts,
      { running, burst, rounds },
      {
        fakeCa: readFileSync(fakes.upstreamCaPath, 'utf8'),
        fakeUrl: fakes.anthropicUrl,
        proxyPort: proxy.port,
        proxyCa: readFileSync(join(fakes.env.CCP_CA_DIR!, 'ca.pem'), 'utf8'),
        peers,
        missing,
      },
    );
  } finally {
    for (const p of peers) await p.stop();
    await proxy.stop();
    fakeProcess.send('exit');
  }
}

interface Stage {
  fakeCa: string;
  fakeUrl: string;
  proxyPort: number;
  proxyCa: string;
  peers: Peer[];
  missing: string[];
}

async function measureBurst(
  s: { say(s: string): void },
  size: { running: number; burst: number; rounds: number },
  stage: Stage,
): Promise<BurstFigures> {
  const { running, burst, rounds } = size;
  const { fakeCa, peers, missing } = stage;
  const direct = `${new URL(stage.fakeUrl).origin}/v1/messages`;
  const viaProxy = 'https://api.anthropic.com/v1/messages';
  const proxyUrl = `http://127.0.0.1:${stage.proxyPort}`;
  const ways: Partial<Record<Way, Entry>> = {
    direct: {
      url: direct,
      dispatcher: (c) => new Agent({ connect: { ca: fakeCa }, connections: c }),
      go: { url: direct, ca: fakeCa },
    },
    proxy: {
      url: viaProxy,
      dispatcher: (c) => new ProxyAgent({ uri: proxyUrl, requestTls: { ca: [stage.proxyCa] }, connections: c }),
      go: { url: viaProxy, proxyUrl, ca: stage.proxyCa },
    },
  };
  for (const p of peers) {
    if (p.origin) {
      const url = `${p.origin}/v1/messages`;
      ways[p.name] = {
        url,
        dispatcher: (c) => new Agent({ connect: { ca: p.ca }, connections: c }),
        go: { url, ca: p.ca },
      };
    } else if (p.proxyUrl) {
      const uri = p.proxyUrl;
      ways[p.name] = {
        url: direct,
        dispatcher: (c) => new ProxyAgent({ uri, requestTls: { ca: [p.ca] }, connections: c }),
        go: { url: direct, proxyUrl: uri, ca: p.ca },
      };
    }
  }
  const burster = await startBurstProcess();
  const names = Object.keys(ways) as Way[];
  const ttfe: Record<string, number[]> = {};
  const delay: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  // The running streams' connections, opened once per way before the rounds (warm).
  const warm: Record<string, Dispatcher> = {};
  for (const w of names) {
    ttfe[w] = [];
    delay[w] = [];
    errors[w] = 0;
    warm[w] = ways[w]!.dispatcher(running);
    await Promise.all(Array.from({ length: running }, () => stream(warm[w]!, ways[w]!.url)));
  }
  s.say(
    `burst: ${running} running streams + ${burst} new connections at once, ${rounds} rounds over ${names.join(', ')}…`,
  );
  for (let r = 0; r < rounds; r++) {
    for (const w of names) {
      const way = ways[w]!;
      const runningStreams = Array.from({ length: running }, () =>
        stream(warm[w]!, way.url).catch(() => {
          errors[w]!++;
          return { ttfe: -1, events: [] as Stamped[] };
        }),
      );
      await new Promise((res) => setTimeout(res, 300));
      const burstStart = nowEpoch();
      const done = await burster.go({ ...way.go, count: burst, body: STREAM, headers: HEADERS });
      errors[w]! += done.errors;
      for (const t of done.ttfe) ttfe[w]!.push(t);
      const burstEnd = burstStart + Math.max(0, ...done.ttfe);
      // The running streams' events sent while the burst's streams were being set up.
      for (const rs of await Promise.all(runningStreams))
        for (const e of rs.events) if (e.sentAt >= burstStart && e.sentAt <= burstEnd) delay[w]!.push(e.delay);
    }
  }
  burster.stop();
  for (const w of names) await warm[w]!.close();
  const figures: BurstFigures = { running, burst, rounds, ways: {}, missing_peers: missing };
  for (const w of names)
    figures.ways[w] = { burst_ttfe_ms: stats(ttfe[w]!), running_event_delay_ms: stats(delay[w]!), errors: errors[w]! };
  s.say(
    `burst: ${names.map((w) => `${w} TTFE p50 ${figures.ways[w]!.burst_ttfe_ms.p50} ms, running p99 ${figures.ways[w]!.running_event_delay_ms.p99} ms`).join('; ')}`,
  );
  return figures;
}

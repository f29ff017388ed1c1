// A burst of new connections while streams are running (subagent fan-out, a session starting): 100
// streams run on warm connections, then 100 more open at once on new connections. Measured per way in,
// interleaved in rounds of one run: time to first event of the burst's streams (each pays its TLS
// handshake), and the delivery delay of the running streams' events while the burst is served.
// Ways in: direct to the fake, a plain nginx TLS hop, the kit's proxy (MITM), mitmproxy (MITM).
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { FAKE_ANTHROPIC_KEY } from '../rig.js';
import { nowEpoch, stats, type Stats } from './clients.js';
import type { Peer } from './peers.js';
import type { Scenario } from './scenarios.js';

type Way = 'direct' | 'nginx' | 'proxy' | 'mitmproxy';

interface Entry {
  url: string;
  /** A fresh dispatcher: every connection it opens is new. */
  dispatcher(connections: number): Dispatcher;
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
    headers: { 'content-type': 'application/json', 'x-api-key': FAKE_ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' },
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

export async function burstScenario(
  s: Scenario,
  peers: Peer[],
  fakeCa: string,
  missing: string[],
): Promise<BurstFigures> {
  const running = s.quick ? 30 : 100;
  const burst = s.quick ? 30 : 100;
  const rounds = s.quick ? 2 : 3;
  s.anthropic.opts.deltas = 20;
  s.anthropic.opts.eventGapMs = 50;
  const fakeOrigin = s.clients.origins.direct;
  const ways: Partial<Record<Way, Entry>> = {
    direct: {
      url: `${fakeOrigin}/v1/messages`,
      dispatcher: (c) => new Agent({ connect: { ca: fakeCa }, connections: c }),
    },
    proxy: { url: 'https://api.anthropic.com/v1/messages', dispatcher: (c) => s.clients.mitm(c) },
  };
  for (const p of peers) {
    if (p.origin)
      ways[p.name] = {
        url: `${p.origin}/v1/messages`,
        dispatcher: (c) => new Agent({ connect: { ca: p.ca }, connections: c }),
      };
    else if (p.proxyUrl) {
      const uri = p.proxyUrl;
      ways[p.name] = {
        url: `${fakeOrigin}/v1/messages`,
        dispatcher: (c) => new ProxyAgent({ uri, requestTls: { ca: [p.ca] }, connections: c }),
      };
    }
  }
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
      const fresh = way.dispatcher(burst);
      const burstStart = nowEpoch();
      const burstStreams = await Promise.all(
        Array.from({ length: burst }, () =>
          stream(fresh, way.url).catch(() => {
            errors[w]!++;
            return { ttfe: -1, events: [] as Stamped[] };
          }),
        ),
      );
      const firstEvents = burstStreams.filter((b) => b.ttfe >= 0);
      for (const b of firstEvents) ttfe[w]!.push(b.ttfe);
      const burstEnd = burstStart + Math.max(0, ...firstEvents.map((b) => b.ttfe));
      // The running streams' events sent while the burst's streams were being set up.
      for (const rs of await Promise.all(runningStreams))
        for (const e of rs.events) if (e.sentAt >= burstStart && e.sentAt <= burstEnd) delay[w]!.push(e.delay);
      await fresh.destroy();
    }
  }
  for (const w of names) await warm[w]!.close();
  const figures: BurstFigures = { running, burst, rounds, ways: {}, missing_peers: missing };
  for (const w of names)
    figures.ways[w] = { burst_ttfe_ms: stats(ttfe[w]!), running_event_delay_ms: stats(delay[w]!), errors: errors[w]! };
  s.say(
    `burst: ${names.map((w) => `${w} TTFE p50 ${figures.ways[w]!.burst_ttfe_ms.p50} ms, running p99 ${figures.ways[w]!.running_event_delay_ms.p99} ms`).join('; ')}`,
  );
  return figures;
}

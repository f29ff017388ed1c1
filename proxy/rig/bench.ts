// The benchmark: each scenario measured direct to the fake upstream and through the proxy (MITM via
// HTTPS_PROXY with the CA, and base-URL mode), interleaved, in one run. The proxy runs as its own
// process, started the way a user starts it, so its CPU and memory are its own.
import { cpus } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { REPO_ROOT } from '../common/config.js';
import { mitmCommand } from './mitm-command.js';
import { percentile } from '../common/percentiles.js';
import { FAKE_ANTHROPIC_KEY, startFakes } from './rig.js';
import { readRunState } from '../ops/run-state.js';
import { serializeRecord, type UsageRecord } from '../common/log-schema.js';

export interface BenchOptions {
  quick: boolean;
  resultsDir: string;
  print: (s: string) => void;
}

type Mode = 'direct' | 'mitm' | 'baseurl';
const MODES: Mode[] = ['direct', 'mitm', 'baseurl'];

interface Stats {
  n: number;
  p50?: number;
  p99?: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const r = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000) / 1000);
  return { n: s.length, p50: r(percentile(s, 50)), p99: r(percentile(s, 99)) };
}

function nowEpoch(): number {
  return performance.timeOrigin + performance.now();
}

function procStat(pid: number): { cpuMs: number; rssMb: number; hwmMb: number } {
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

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Start the proxy as `npm run mitm` does and wait for its banner; returns the ms from spawn to banner and the proxy's own ready time. */
async function startProxyProcess(env: Record<string, string>): Promise<{ child: ResultPromise; pid: number; spawnToReadyMs: number; readyMs: number }> {
  const t0 = performance.now();
  let out = '';
  const mitm = mitmCommand();
  const child = execa(mitm.file, mitm.args, { env: { ...env, FORCE_COLOR: '0' }, reject: false, all: true, timeout: 30 * 60_000 });
  child.all!.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('In another terminal')) {
    if (performance.now() - t0 > 30_000) throw new Error(`proxy did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const spawnToReadyMs = performance.now() - t0;
  const readyMs = Number(/ready in (\d+) ms/.exec(out)?.[1] ?? NaN);
  return { child, pid: readRunState(env.CCP_LOGS_DIR!)!.pid, spawnToReadyMs, readyMs };
}

async function stopProxyProcess(p: { child: ResultPromise; pid: number }): Promise<void> {
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await p.child;
}

export async function runBench(opts: BenchOptions): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const q = opts.quick;
  const say = opts.print;
  const dir = mkdtempSync(join(tmpdir(), 'ccp-bench-'));
  const fakes = await startFakes(dir, { anthropic: { stampEvents: true } });
  const fakeCa = readFileSync(fakes.upstreamCaPath, 'utf8');
  const env: Record<string, string> = { ...fakes.env, MITM_PORT: String(await freePort()), CCP_ENV_FILE: join(dir, 'sub-env.sh'), CCP_LOG_MAX_MB: '0' };
  const results: Record<string, unknown> = {};
  const startup: Record<string, number> = {};

  // 6. Start-up: first ever (CA generated), then with the CA present (the one kept running).
  say('startup: first start (generates the CA)…');
  const first = await startProxyProcess({ ...env, CCP_CA_DIR: join(dir, 'fresh-ca') });
  startup.first_start_ready_ms = first.readyMs;
  startup.first_start_spawn_to_ready_ms = Math.round(first.spawnToReadyMs);
  await stopProxyProcess(first);
  await startProxyProcess(env).then(stopProxyProcess); // creates the CA in env's dir
  const proxy = await startProxyProcess(env);
  startup.ready_ms = proxy.readyMs;
  startup.spawn_to_ready_ms = Math.round(proxy.spawnToReadyMs);
  say(`startup: ready in ${proxy.readyMs} ms with the CA present (${startup.spawn_to_ready_ms} ms from spawn, bundling the sources included); first start ${first.readyMs} ms`);
  results.startup = startup;

  const mitmCa = readFileSync(readRunState(env.CCP_LOGS_DIR!)!.ca_cert, 'utf8');
  const port = Number(env.MITM_PORT);
  const anthOrigin = new URL(fakes.anthropic.baseUrl).origin;
  const origins: Record<Mode, string> = { direct: anthOrigin, mitm: 'https://api.anthropic.com', baseurl: `http://127.0.0.1:${port}` };
  const makeDispatchers = (connections: number): Record<Mode, Dispatcher> => ({
    direct: new Agent({ connect: { ca: fakeCa }, connections }),
    mitm: new ProxyAgent({ uri: `http://127.0.0.1:${port}`, requestTls: { ca: [mitmCa] }, connections }),
    baseurl: new Agent({ connections }),
  });
  const headers = { 'content-type': 'application/json', 'x-api-key': FAKE_ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' };
  const small = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'ok' }] });

  async function post(d: Dispatcher, mode: Mode, body: string): Promise<number> {
    const t0 = performance.now();
    // A fresh headers object each time: undici's ProxyAgent writes a host header into the one it is given.
    const r = await request(`${origins[mode]}/v1/messages`, { dispatcher: d, method: 'POST', headers: { ...headers }, body });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`${mode}: status ${r.statusCode}`);
    return performance.now() - t0;
  }

  try {
    // 1. Small non-streaming requests: sequential, then concurrency 20; modes interleaved in rounds.
    const seqN = q ? 300 : 2000;
    const rounds = 10;
    const d1 = makeDispatchers(1);
    for (const m of MODES) for (let i = 0; i < 50; i++) await post(d1[m], m, small); // warm-up
    const seq: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    const cpu: Record<Mode, number> = { direct: 0, mitm: 0, baseurl: 0 };
    say(`small requests: ${seqN} sequential per mode, interleaved…`);
    for (let r = 0; r < rounds; r++) {
      for (const m of MODES) {
        const c0 = procStat(proxy.pid).cpuMs;
        for (let i = 0; i < seqN / rounds; i++) seq[m].push(await post(d1[m], m, small));
        cpu[m] += procStat(proxy.pid).cpuMs - c0;
      }
    }
    const conc = 20;
    const concN = q ? 1000 : 4000;
    const d20 = makeDispatchers(conc);
    const rps: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    const concLat: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    say(`small requests: ${concN} at concurrency ${conc} per mode, interleaved…`);
    for (let r = 0; r < 4; r++) {
      for (const m of MODES) {
        let left = concN / 4;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: conc }, async () => {
          while (left-- > 0) concLat[m].push(await post(d20[m], m, small));
        }));
        rps[m].push(((concN / 4) * 1000) / (performance.now() - t0));
      }
    }
    const smallRes: Record<string, unknown> = {};
    for (const m of MODES) {
      const s1 = stats(seq[m]);
      smallRes[m] = {
        sequential_ms: s1,
        concurrent_ms: stats(concLat[m]),
        req_per_s: Math.round(stats(rps[m]).p50 ?? 0),
        ...(m !== 'direct' ? { proxy_cpu_ms_per_request: Math.round((cpu[m] / seqN) * 1000) / 1000 } : {}),
      };
    }
    results.small = smallRes;
    for (const d of [...Object.values(d1), ...Object.values(d20)]) await d.close();
    const added = (m: Mode) => Math.round(((stats(seq[m]).p50 ?? 0) - (stats(seq.direct).p50 ?? 0)) * 1000) / 1000;
    say(`small: direct p50 ${stats(seq.direct).p50} ms; added by mitm ${added('mitm')} ms, base-URL ${added('baseurl')} ms; mitm ${Math.round(((smallRes.mitm as { req_per_s: number }).req_per_s / (smallRes.direct as { req_per_s: number }).req_per_s) * 100) / 100}× direct req/s at c=20`);

    // 2. Concurrent streams: per-event delivery delay (receive − upstream send) and time to first event.
    const streams = q ? 30 : 100;
    const events = q ? 10 : 20;
    const gap = 50;
    fakes.anthropic.opts.deltas = events;
    fakes.anthropic.opts.eventGapMs = gap;
    const streamBody = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'stream' }] });
    const ds = makeDispatchers(streams);
    async function oneStream(d: Dispatcher, mode: Mode, delays: number[], ttfe: number[]): Promise<number> {
      const t0 = performance.now();
      const r = await request(`${origins[mode]}/v1/messages`, { dispatcher: d, method: 'POST', headers: { ...headers }, body: streamBody });
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
    const streamRes: Record<string, unknown> = {};
    const delaysBy: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    const ttfeBy: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    const startBy: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    const coldStartBy: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    // Time to first event: one stream at a time on a kept-alive connection (what one user feels).
    const ttfeN = q ? 30 : 100;
    say(`streams: time to first event, ${ttfeN} sequential streams per mode on kept-alive connections…`);
    const dk = makeDispatchers(1);
    // Short streams here: only the first event is timed.
    fakes.anthropic.opts.deltas = 2;
    fakes.anthropic.opts.eventGapMs = 5;
    for (const m of MODES) await oneStream(dk[m], m, [], []); // warm
    for (let r = 0; r < 5; r++) for (const m of MODES) for (let i = 0; i < ttfeN / 5; i++) await oneStream(dk[m], m, [], ttfeBy[m]);
    for (const d of Object.values(dk)) await d.close();
    fakes.anthropic.opts.deltas = events;
    fakes.anthropic.opts.eventGapMs = gap;
    // Per-event delivery delay with many streams at once.
    // Warm-up: every mode opens all its connections first, so the rounds measure event delivery, not
    // connection set-up (reported on its own: first event with all streams starting at once, cold).
    for (const m of MODES) await Promise.all(Array.from({ length: streams }, () => oneStream(ds[m], m, [], coldStartBy[m])));
    say(`streams: ${streams} concurrent × ${events} events × ${gap} ms per mode, interleaved…`);
    for (let r = 0; r < 2; r++) {
      for (const m of MODES) {
        const got = await Promise.all(Array.from({ length: streams }, () => oneStream(ds[m], m, delaysBy[m], startBy[m])));
        if (got.some((g) => g !== events)) say(`  ${m}: a stream lost events (${got.filter((g) => g !== events).length})`);
      }
    }
    for (const m of MODES) streamRes[m] = { event_delay_ms: stats(delaysBy[m]), time_to_first_event_ms: stats(ttfeBy[m]), first_event_under_load_ms: stats(startBy[m]), first_event_cold_start_ms: stats(coldStartBy[m]) };
    results.streams = { streams, events, gap_ms: gap, ...streamRes };
    for (const d of Object.values(ds)) await d.close();
    say(`streams: event delay p50/p99 direct ${stats(delaysBy.direct).p50}/${stats(delaysBy.direct).p99} ms, mitm ${stats(delaysBy.mitm).p50}/${stats(delaysBy.mitm).p99} ms`);

    // 3. Many slow streams at once through the proxy: peak RSS, and whether every event arrived.
    const slowN = q ? 150 : 500;
    const slowEvents = q ? 10 : 20;
    const slowGap = q ? 200 : 500;
    fakes.anthropic.opts.deltas = slowEvents;
    fakes.anthropic.opts.eventGapMs = slowGap;
    say(`slow streams: ${slowN} concurrent through the proxy (mitm), ${slowEvents} events × ${slowGap} ms…`);
    const before = procStat(proxy.pid);
    let peak = before.rssMb;
    const sampler = setInterval(() => (peak = Math.max(peak, procStat(proxy.pid).rssMb)), 100);
    const dslow = new ProxyAgent({ uri: `http://127.0.0.1:${port}`, requestTls: { ca: [mitmCa] }, connections: slowN });
    const slowErrors: string[] = [];
    const slowGot = await Promise.all(
      Array.from({ length: slowN }, () =>
        oneStream(dslow, 'mitm', [], []).catch((e: Error) => {
          slowErrors.push(e.message);
          return -1;
        }),
      ),
    );
    const short = slowGot.filter((g) => g !== slowEvents);
    if (short.length) say(`  incomplete streams: events received ${JSON.stringify(short.slice(0, 20))}; errors ${JSON.stringify([...new Set(slowErrors)].slice(0, 5))}`);
    clearInterval(sampler);
    await dslow.close();
    results.slow_streams = {
      streams: slowN,
      events_each: slowEvents,
      all_events_delivered: slowGot.every((g) => g === slowEvents),
      streams_incomplete: short.length,
      ...(slowErrors.length ? { errors: [...new Set(slowErrors)].slice(0, 5) } : {}),
      proxy_rss_before_mb: Math.round(before.rssMb),
      proxy_rss_peak_mb: Math.round(peak),
    };
    say(`slow streams: all delivered ${slowGot.every((g) => g === slowEvents)}, proxy RSS ${Math.round(before.rssMb)} → peak ${Math.round(peak)} MB`);

    // 4. One large request (2 MB prompt), non-streaming; keys in the order Claude Code and the SDKs
    // write them (model first, stream last).
    fakes.anthropic.opts.deltas = 5;
    fakes.anthropic.opts.eventGapMs = 20;
    const big = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, system: 'x'.repeat(2 * 1024 * 1024), messages: [{ role: 'user', content: 'ok' }], stream: false });
    const dbig = makeDispatchers(1);
    const bigLat: Record<Mode, number[]> = { direct: [], mitm: [], baseurl: [] };
    say('large request: 2 MB body, interleaved…');
    for (let r = 0; r < (q ? 5 : 15); r++) for (const m of MODES) bigLat[m].push(await post(dbig[m], m, big));
    for (const d of Object.values(dbig)) await d.close();
    results.large_request = Object.fromEntries(MODES.map((m) => [m, stats(bigLat[m])]));
  } finally {
    await stopProxyProcess(proxy);
    await fakes.anthropic.stop();
    await fakes.zai.stop();
  }

  // 5. summarize and verify-routing over a generated log.
  const lines = q ? 200_000 : 1_000_000;
  say(`readers: generating a ${lines.toLocaleString('en-US')}-line log…`);
  const logFile = join(dir, 'big-usage.jsonl');
  writeSyntheticLog(logFile, lines);
  const runReader = async (reader: 'summarize' | 'verify') => {
    const child = await execa(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'proxy', 'rig', 'bench-readers.ts'), logFile, reader], { timeout: 300_000 });
    return JSON.parse(String(child.stdout).trim().split('\n').pop()!) as { seconds: number; max_rss_mb: number; requests?: number; verify_exit?: number };
  };
  const sum = await runReader('summarize');
  const ver = await runReader('verify');
  results.readers = {
    lines,
    summarize_s: sum.seconds,
    summarize_rss_mb: sum.max_rss_mb,
    verify_s: ver.seconds,
    verify_rss_mb: ver.max_rss_mb,
    requests: sum.requests,
    verify_exit: ver.verify_exit,
  };
  say(`readers: ${JSON.stringify(results.readers)}`);
  rmSync(dir, { recursive: true, force: true });

  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` };
  const json = { generated_at: new Date().toISOString(), quick: q, machine, ...results };
  const markdown = benchMarkdown(json);
  mkdirSync(opts.resultsDir, { recursive: true });
  writeFileSync(join(opts.resultsDir, 'BENCH.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(opts.resultsDir, 'BENCH.md'), markdown);
  return { json, markdown };
}

/** A realistic mixed log, written by the real serializer in the router's field order: decision +
 * completion pairs, both lanes, streams and JSON, a few errors. */
export function writeSyntheticLog(file: string, lines: number): void {
  const fd = openSync(file, 'w');
  const t0 = 1_795_000_000;
  let chunk = '';
  for (let i = 0; i < lines / 2; i++) {
    const haiku = i % 3 !== 0;
    const decision: UsageRecord = {
      v: 1,
      event: 'decision',
      ts: t0 + i * 0.5,
      rid: (i + 0x10000000).toString(16),
      attempt: 1,
      lane: haiku ? 'zai' : 'anthropic',
      upstream: haiku ? 'api.z.ai' : 'api.anthropic.com',
      model: haiku ? 'claude-haiku-4-5-20251001' : 'claude-sonnet-4-5-20250929',
      decision: haiku ? 'forced_model' : 'pass_through',
      reason: haiku ? 'haiku model → zai lane' : 'claude-sonnet-4-5-20250929 → anthropic lane',
      path: '/v1/messages',
      op: i % 5 ? 'stream' : 'nonstream',
      req_bytes: 4000 + (i % 997),
      h2: i % 7 === 0,
      ...(haiku ? { header_mode: 'x-api-key' as const } : {}),
      paused: false,
    };
    const failed = i % 101 === 0;
    chunk += serializeRecord(decision);
    chunk += serializeRecord({
      ...decision,
      event: 'complete',
      ts: decision.ts + 0.3,
      status: failed ? 529 : 200,
      ...(failed ? { err_type: '5xx' as const } : {}),
      latency_ms: 300 + (i % 1700),
      ttfb_ms: 20 + (i % 90),
      ttft_ms: 120 + (i % 800),
      stream_ms: 200 + (i % 1500),
      sse_events: 10 + (i % 40),
      input_tokens: 1000 + (i % 5000),
      output_tokens: 20 + (i % 900),
      cache_creation_input_tokens: i % 50,
      cache_read_input_tokens: i % 20000,
      stop_reason: 'end_turn',
      resp_bytes: 2000 + (i % 9000),
      request_id: `req_${(i * 7919).toString(36)}`,
    });
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

type Targets = { name: string; value: number | boolean | undefined; target: string; ok: boolean }[];

function targetsOf(j: Record<string, any>): Targets {
  const small = j.small ?? {};
  const direct = small.direct ?? {};
  const mitm = small.mitm ?? {};
  const added = (mitm.sequential_ms?.p50 ?? NaN) - (direct.sequential_ms?.p50 ?? NaN);
  const ratio = (mitm.req_per_s ?? NaN) / (direct.req_per_s ?? NaN);
  const sd = j.streams?.direct?.event_delay_ms ?? {};
  const sm = j.streams?.mitm?.event_delay_ms ?? {};
  const td = j.streams?.direct?.time_to_first_event_ms ?? {};
  const tm = j.streams?.mitm?.time_to_first_event_ms ?? {};
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return [
    { name: 'small request added latency, sequential p50 (mitm − direct)', value: r3(added), target: '≤ 0.8 ms', ok: added <= 0.8 },
    { name: 'throughput at concurrency 20, mitm / direct', value: r3(ratio), target: '≥ 0.3×', ok: ratio >= 0.3 },
    { name: 'proxy CPU per small request (mitm)', value: mitm.proxy_cpu_ms_per_request, target: '≤ 1.2 ms', ok: mitm.proxy_cpu_ms_per_request <= 1.2 },
    { name: 'per-event delay added, p50 (mitm − direct)', value: r3(sm.p50 - sd.p50), target: '≤ 0.5 ms', ok: sm.p50 - sd.p50 <= 0.5 },
    { name: 'per-event delay added, p99 (mitm − direct)', value: r3(sm.p99 - sd.p99), target: '≤ 3 ms', ok: sm.p99 - sd.p99 <= 3 },
    { name: 'time to first event added, p50 (mitm − direct, kept-alive)', value: r3(tm.p50 - td.p50), target: '≤ 2 ms', ok: tm.p50 - td.p50 <= 2 },
    { name: `${j.slow_streams?.streams} slow streams: all events delivered`, value: j.slow_streams?.all_events_delivered, target: 'true', ok: j.slow_streams?.all_events_delivered === true },
    { name: `${j.slow_streams?.streams} slow streams: proxy peak RSS (MB)`, value: j.slow_streams?.proxy_rss_peak_mb, target: '≤ 200 MB', ok: j.slow_streams?.proxy_rss_peak_mb <= 200 },
    { name: `summarize over ${j.readers?.lines} lines: wall time (s)`, value: j.readers?.summarize_s, target: '≤ 3 s', ok: j.readers?.summarize_s <= 3 },
    { name: `summarize over ${j.readers?.lines} lines: peak RSS (MB)`, value: j.readers?.summarize_rss_mb, target: '≤ 150 MB', ok: j.readers?.summarize_rss_mb <= 150 },
    { name: 'proxy ready with the CA present (ms)', value: j.startup?.ready_ms, target: '≤ 1000 ms', ok: j.startup?.ready_ms <= 1000 },
  ];
}

/** Why a target can be missed on this design, from the profiles (docs/PERFORMANCE.md has the detail). */
const WHY_MISSED: [RegExp, string][] = [
  [/added latency|CPU per small|throughput/, 'mockttp terminates the client TLS and parses the request, then hands HTTP/1.1 requests to the router in-process; the router opens its own TLS leg to the upstream. Per request that is two TLS legs, two HTTP parses and serialisations, two synchronous log writes (the decision line must be on disk before the upstream is dialled) and the console line. A bare Node forwarder (plain HTTP in, HTTPS out, no logging) measured ≈0.5 ms CPU per request on the same machine; the rest is routing, logging and mockttp.'],
  [/per-event delay/, 'All 100 streams of a round start in the same millisecond. Each new request costs the proxy ≈1 ms of CPU on its one thread (TLS, parsing, routing, log writes), so events of streams already running wait behind up to ≈100 ms of request work at the start of each round; that burst is the p99. Between bursts one event costs the proxy ≈0.05 ms.'],
  [/time to first event/, 'The same per-request cost as a small request, paid once per stream before the first event.'],
  [/peak RSS \(MB\)$|slow streams: proxy peak RSS/, 'Before any traffic the proxy holds ≈100 MB: Node ≈40 MB and mockttp with its dependencies ≈48 MB (its admin, GraphQL and HTTP stacks load with it). Each in-flight stream holds a client TLS socket and an upstream TLS socket, and the heap keeps what earlier scenarios of the same run grew.'],
  [/summarize over .*wall time/, 'JSON.parse of the completion lines (half the log) is most of the time; decision lines are read from their bytes without parsing. Runs on this machine vary by ±10 %.'],
  [/summarize over .*peak RSS/, 'Includes the tsx loader (≈30 MB); the samples themselves are stored once each as Float32 (≈8 MB per million completions).'],
];

function benchMarkdown(j: Record<string, any>): string {
  const t = targetsOf(j);
  const missed = t.filter((x) => !x.ok);
  const row = (m: string, s: any) => `| ${m} | ${s.sequential_ms.p50} | ${s.sequential_ms.p99} | ${s.concurrent_ms.p50} | ${s.concurrent_ms.p99} | ${s.req_per_s} | ${s.proxy_cpu_ms_per_request ?? '-'} |`;
  const out = [
    '# Benchmark',
    '',
    `${j.quick ? 'Quick run (reduced sizes; the full run is `npm run bench`)' : 'Full run'} at ${j.generated_at} on ${j.machine.cores} cores (${j.machine.cpu}), Node ${j.machine.node}, ${j.machine.platform}.`,
    'Client, fake upstreams and proxy share the machine; each scenario ran direct to the fake and through the proxy in interleaved rounds, so compare the modes within this run.',
    '`mitm` = client → HTTPS_PROXY (CONNECT + TLS with the kit CA) → router → fake over TLS; `baseurl` = client → http://127.0.0.1:PORT → router → fake; `direct` = client → fake over TLS.',
    '',
    '## Targets',
    '',
    '| measure | value | target | |',
    '|---|---|---|---|',
    ...t.map((x) => `| ${x.name} | ${x.value} | ${x.target} | ${x.ok ? 'met' : '**missed**'} |`),
    '',
    ...(missed.length
      ? ['### What remains and why', '', ...missed.map((x) => `- ${x.name}: ${WHY_MISSED.find(([re]) => re.test(x.name))?.[1] ?? 'see docs/PERFORMANCE.md.'}`), '', 'Profiles, the fixes made so far and the next steps: docs/PERFORMANCE.md.', '']
      : []),
    '## Small non-streaming requests (ms)',
    '',
    '| mode | seq p50 | seq p99 | c=20 p50 | c=20 p99 | req/s c=20 | proxy CPU ms/req |',
    '|---|---|---|---|---|---|---|',
    ...MODES.map((m) => row(m, j.small[m])),
    '',
    `## ${j.streams.streams} concurrent streams × ${j.streams.events} events × ${j.streams.gap_ms} ms`,
    '',
    '| mode | event delay p50 | p99 | first event, one stream p50 | p99 | first event, all streams starting at once p50 | p99 | same, on new connections p50 | p99 |',
    '|---|---|---|---|---|---|---|---|---|',
    ...MODES.map((m) => `| ${m} | ${j.streams[m].event_delay_ms.p50} | ${j.streams[m].event_delay_ms.p99} | ${j.streams[m].time_to_first_event_ms.p50} | ${j.streams[m].time_to_first_event_ms.p99} | ${j.streams[m].first_event_under_load_ms.p50} | ${j.streams[m].first_event_under_load_ms.p99} | ${j.streams[m].first_event_cold_start_ms?.p50} | ${j.streams[m].first_event_cold_start_ms?.p99} |`),
    '',
    'Event delay = client receive time − the fake upstream\'s send time stamped into each event (both epoch clocks of this machine). First event, one stream = sequential streams on a kept-alive connection; all at once = the measured rounds, where the proxy\'s per-request CPU queues up; on new connections = the warm-up round that opens every connection first (CONNECT and a TLS handshake each, which the event delays above do not include).',
    '',
    `## ${j.slow_streams.streams} concurrent slow streams through the proxy`,
    '',
    `All events delivered: ${j.slow_streams.all_events_delivered} (${j.slow_streams.streams_incomplete} incomplete). Proxy RSS ${j.slow_streams.proxy_rss_before_mb} MB before, ${j.slow_streams.proxy_rss_peak_mb} MB peak.`,
    '',
    '## One 2 MB request (ms, non-streaming, model first and stream last as Claude Code sends it)',
    '',
    '| mode | p50 | p99 |',
    '|---|---|---|',
    ...MODES.map((m) => `| ${m} | ${j.large_request[m].p50} | ${j.large_request[m].p99} |`),
    '',
    `## Readers over a ${j.readers.lines.toLocaleString('en-US')}-line log`,
    '',
    `summarize ${j.readers.summarize_s} s, peak RSS ${j.readers.summarize_rss_mb} MB; verify-routing ${j.readers.verify_s} s, peak RSS ${j.readers.verify_rss_mb} MB (each in its own process, tsx loader included).`,
    '',
    '## Start-up',
    '',
    `Ready in ${j.startup.ready_ms} ms with the CA present (${j.startup.spawn_to_ready_ms} ms from spawn, including bundling the sources); first-ever start ${j.startup.first_start_ready_ms} ms (CA generated; ${j.startup.first_start_spawn_to_ready_ms} ms from spawn).`,
    '',
  ];
  return out.join('\n');
}

export { targetsOf };

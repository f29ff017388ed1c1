// The benchmark's scenarios, one function each. Every scenario runs its modes in interleaved rounds, so
// that the machine's noise falls on all of them alike; each returns the figures for BENCH.json.
import { appendFileSync, copyFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../common/config.js';
import type { FakeUpstream } from '../fake-upstream.js';
import { startProxyProcess, type ProxyProcess } from '../proxy-process.js';
import { type BenchClients, MODES, closeAll, perMode, procStat, stats, type Mode } from './clients.js';
import { writeSyntheticLog } from './synthetic-log.js';

export interface Scenario {
  quick: boolean;
  say(s: string): void;
  clients: BenchClients;
  proxy: ProxyProcess;
  /** The fake the proxy's Anthropic lane points at (all benchmark traffic is Sonnet). */
  anthropic: FakeUpstream;
}

const SMALL = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'ok' }],
});
const STREAM = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 256,
  stream: true,
  messages: [{ role: 'user', content: 'stream' }],
});

function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Start-up: the first ever start (the CA is generated), then with the CA present (the one returned, kept running). */
export async function startupScenario(
  env: Record<string, string>,
  dir: string,
  say: (s: string) => void,
): Promise<{ proxy: ProxyProcess; figures: Record<string, number> }> {
  say('startup: first start (generates the CA)…');
  const first = await startProxyProcess({ ...env, CCP_CA_DIR: join(dir, 'fresh-ca') });
  await first.stop();
  await (await startProxyProcess(env)).stop(); // creates the CA in env's dir
  const proxy = await startProxyProcess(env);
  const figures = {
    first_start_ready_ms: first.startupMs,
    first_start_spawn_to_ready_ms: Math.round(first.spawnToReadyMs),
    ready_ms: proxy.startupMs,
    spawn_to_ready_ms: Math.round(proxy.spawnToReadyMs),
  };
  say(
    `startup: ready in ${proxy.startupMs} ms with the CA present (${figures.spawn_to_ready_ms} ms from spawn, bundling the sources included); first start ${first.startupMs} ms`,
  );
  return { proxy, figures };
}

/** Small non-streaming requests: sequential (latency, proxy CPU per request), then at concurrency 20 (req/s). */
export async function smallScenario(s: Scenario): Promise<Record<string, unknown>> {
  const { clients, say } = s;
  const seqN = s.quick ? 300 : 2000;
  const rounds = 10;
  const d1 = clients.dispatchers(1);
  for (const m of MODES) for (let i = 0; i < 50; i++) await clients.post(d1[m], m, SMALL); // warm-up
  const seq = perMode<number[]>(() => []);
  const cpu = perMode(() => 0);
  say(`small requests: ${seqN} sequential per mode, interleaved…`);
  for (let r = 0; r < rounds; r++) {
    for (const m of MODES) {
      const c0 = procStat(s.proxy.pid).cpuMs;
      for (let i = 0; i < seqN / rounds; i++) seq[m].push(await clients.post(d1[m], m, SMALL));
      cpu[m] += procStat(s.proxy.pid).cpuMs - c0;
    }
  }
  const conc = 20;
  const concN = s.quick ? 1000 : 4000;
  const d20 = clients.dispatchers(conc);
  const rps = perMode<number[]>(() => []);
  const concLat = perMode<number[]>(() => []);
  say(`small requests: ${concN} at concurrency ${conc} per mode, interleaved…`);
  for (let r = 0; r < 4; r++) {
    for (const m of MODES) {
      let left = concN / 4;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: conc }, async () => {
          while (left-- > 0) concLat[m].push(await clients.post(d20[m], m, SMALL));
        }),
      );
      rps[m].push(((concN / 4) * 1000) / (performance.now() - t0));
    }
  }
  await closeAll(d1);
  await closeAll(d20);
  const out = Object.fromEntries(
    MODES.map((m) => [
      m,
      {
        sequential_ms: stats(seq[m]),
        concurrent_ms: stats(concLat[m]),
        req_per_s: Math.round(stats(rps[m]).p50 ?? 0),
        ...(m !== 'direct' ? { proxy_cpu_ms_per_request: r3(cpu[m] / seqN) } : {}),
      },
    ]),
  ) as Record<string, { req_per_s: number }>;
  const added = (m: 'mitm' | 'baseurl') => r3((stats(seq[m]).p50 ?? 0) - (stats(seq.direct).p50 ?? 0));
  say(
    `small: direct p50 ${stats(seq.direct).p50} ms; added by mitm ${added('mitm')} ms, base-URL ${added('baseurl')} ms; mitm ${Math.round((out.mitm!.req_per_s / out.direct!.req_per_s) * 100) / 100}× direct req/s at c=20`,
  );
  return out;
}

/** Time to first event: one stream at a time on a kept-alive connection (what one user feels). Short streams: only the first event is timed. */
async function firstEventTimes(s: Scenario): Promise<Record<Mode, number[]>> {
  const n = s.quick ? 30 : 100;
  s.say(`streams: time to first event, ${n} sequential streams per mode on kept-alive connections…`);
  const dk = s.clients.dispatchers(1);
  s.anthropic.opts.deltas = 2;
  s.anthropic.opts.eventGapMs = 5;
  const ttfe = perMode<number[]>(() => []);
  for (const m of MODES) await s.clients.stream(dk[m], m, STREAM, [], []); // warm
  for (let r = 0; r < 5; r++)
    for (const m of MODES) for (let i = 0; i < n / 5; i++) await s.clients.stream(dk[m], m, STREAM, [], ttfe[m]);
  await closeAll(dk);
  return ttfe;
}

/** Concurrent streams: per-event delivery delay (receive − upstream send) and time to first event. */
export async function streamsScenario(s: Scenario): Promise<Record<string, unknown>> {
  const { clients, say } = s;
  const streams = s.quick ? 30 : 100;
  const events = s.quick ? 10 : 20;
  const gap = 50;
  const ttfe = await firstEventTimes(s);
  s.anthropic.opts.deltas = events;
  s.anthropic.opts.eventGapMs = gap;
  const ds = clients.dispatchers(streams);
  const delays = perMode<number[]>(() => []);
  const underLoad = perMode<number[]>(() => []);
  const coldStart = perMode<number[]>(() => []);
  // Warm-up: every mode opens all its connections first, so the rounds measure event delivery, not
  // connection set-up (reported on its own: first event with all streams starting at once, cold).
  for (const m of MODES)
    await Promise.all(Array.from({ length: streams }, () => clients.stream(ds[m], m, STREAM, [], coldStart[m])));
  say(`streams: ${streams} concurrent × ${events} events × ${gap} ms per mode, interleaved…`);
  // Delivery is correctness, not timing: every stream must bring every event (a target, and the exit code).
  let lost = 0;
  for (let r = 0; r < 2; r++) {
    for (const m of MODES) {
      const got = await Promise.all(
        Array.from({ length: streams }, () => clients.stream(ds[m], m, STREAM, delays[m], underLoad[m])),
      );
      const short = got.filter((g) => g !== events).length;
      lost += short;
      if (short) say(`  ${m}: ${short} stream(s) lost events`);
    }
  }
  await closeAll(ds);
  say(
    `streams: event delay p50/p99 direct ${stats(delays.direct).p50}/${stats(delays.direct).p99} ms, mitm ${stats(delays.mitm).p50}/${stats(delays.mitm).p99} ms`,
  );
  const perModeFigures = Object.fromEntries(
    MODES.map((m) => [
      m,
      {
        event_delay_ms: stats(delays[m]),
        time_to_first_event_ms: stats(ttfe[m]),
        first_event_under_load_ms: stats(underLoad[m]),
        first_event_cold_start_ms: stats(coldStart[m]),
      },
    ]),
  );
  return { streams, events, gap_ms: gap, streams_with_lost_events: lost, ...perModeFigures };
}

/** Many slow streams at once through the proxy: peak RSS, and whether every event arrived. */
export async function slowStreamsScenario(s: Scenario): Promise<Record<string, unknown>> {
  const n = s.quick ? 150 : 500;
  const events = s.quick ? 10 : 20;
  const gap = s.quick ? 200 : 500;
  s.anthropic.opts.deltas = events;
  s.anthropic.opts.eventGapMs = gap;
  s.say(`slow streams: ${n} concurrent through the proxy (mitm), ${events} events × ${gap} ms…`);
  const before = procStat(s.proxy.pid);
  let peak = before.rssMb;
  const sampler = setInterval(() => (peak = Math.max(peak, procStat(s.proxy.pid).rssMb)), 100);
  const d = s.clients.mitm(n);
  const errors: string[] = [];
  const got = await Promise.all(
    Array.from({ length: n }, () =>
      s.clients.stream(d, 'mitm', STREAM, [], []).catch((e: Error) => {
        errors.push(e.message);
        return -1;
      }),
    ),
  );
  const short = got.filter((g) => g !== events);
  if (short.length)
    s.say(
      `  incomplete streams: events received ${JSON.stringify(short.slice(0, 20))}; errors ${JSON.stringify([...new Set(errors)].slice(0, 5))}`,
    );
  clearInterval(sampler);
  await d.close();
  s.say(
    `slow streams: all delivered ${short.length === 0}, proxy RSS ${Math.round(before.rssMb)} → peak ${Math.round(peak)} MB`,
  );
  return {
    streams: n,
    events_each: events,
    all_events_delivered: short.length === 0,
    streams_incomplete: short.length,
    ...(errors.length ? { errors: [...new Set(errors)].slice(0, 5) } : {}),
    proxy_rss_before_mb: Math.round(before.rssMb),
    proxy_rss_peak_mb: Math.round(peak),
  };
}

/** One large request (2 MB prompt), non-streaming; keys in the order Claude Code and the SDKs write them (model first, stream last). */
export async function largeRequestScenario(s: Scenario): Promise<Record<string, unknown>> {
  s.anthropic.opts.deltas = 5;
  s.anthropic.opts.eventGapMs = 20;
  const big = JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 16,
    system: 'x'.repeat(2 * 1024 * 1024),
    messages: [{ role: 'user', content: 'ok' }],
    stream: false,
  });
  const d = s.clients.dispatchers(1);
  const lat = perMode<number[]>(() => []);
  s.say('large request: 2 MB body, interleaved…');
  for (let r = 0; r < (s.quick ? 5 : 15); r++) for (const m of MODES) lat[m].push(await s.clients.post(d[m], m, big));
  await closeAll(d);
  return Object.fromEntries(MODES.map((m) => [m, stats(lat[m])]));
}

/**
 * summarize, verify-routing and report over a generated log, each run as its own process started as npm
 * runs them (the esbuild launcher), interleaved with a plain single-thread JSON.parse of every line of
 * the same file; medians over the rounds. Then report's live heap at each quarter of the log.
 */
export async function readersScenario(
  dir: string,
  quick: boolean,
  say: (s: string) => void,
): Promise<Record<string, unknown>> {
  const lines = quick ? 200_000 : 1_000_000;
  const rounds = quick ? 1 : 3;
  say(`readers: generating a ${lines.toLocaleString('en-US')}-line log…`);
  const logFile = join(dir, 'big-usage.jsonl');
  writeSyntheticLog(logFile, lines);
  const bytes = statSync(logFile).size;
  const run = async (reader: string, nodeFlags: string[] = [], extra: string[] = [], file = logFile) => {
    const child = await execa(
      process.execPath,
      [
        ...nodeFlags,
        join(REPO_ROOT, 'tasks', 'launch.mjs'),
        join('proxy', 'rig', 'bench', 'readers-child.ts'),
        file,
        reader,
        ...extra,
      ],
      { timeout: 300_000, cwd: REPO_ROOT },
    );
    return JSON.parse(String(child.stdout).trim().split('\n').pop()!) as {
      seconds: number;
      max_rss_mb: number;
      live_heap_mb?: number[];
    };
  };
  const readers = ['json-parse', 'summarize', 'verify', 'report'] as const;
  const seconds: Record<string, number[]> = {};
  const rss: Record<string, number[]> = {};
  for (const r of readers) [seconds[r], rss[r]] = [[], []];
  say(
    `readers: ${readers.join(', ')} over ${lines.toLocaleString('en-US')} lines (${Math.round(bytes / lines)} bytes each), ${rounds} interleaved round(s)…`,
  );
  for (let i = 0; i < rounds; i++)
    for (const r of readers) {
      const f = await run(r);
      seconds[r]!.push(f.seconds);
      rss[r]!.push(f.max_rss_mb);
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // The live heap over the log twice over (the same sessions again): what is held for the lines, not for
  // the sessions (each session is a row of by_session, ~4 KB), must not grow in the second half.
  const twice = join(dir, 'twice-usage.jsonl');
  copyFileSync(logFile, twice);
  appendFileSync(twice, readFileSync(logFile));
  rmSync(logFile);
  const heap = await run('report-heap', ['--expose-gc'], [String(lines / 2)], twice).finally(() => rmSync(twice));
  const figures: Record<string, unknown> = { lines, bytes_per_line: Math.round(bytes / lines), rounds };
  for (const r of readers) {
    const key = r.replace('-', '_');
    figures[`${key}_s`] = median(seconds[r]!);
    figures[`${key}_rss_mb`] = median(rss[r]!);
    if (r !== 'json-parse')
      figures[`${key}_ratio`] = Math.round((median(seconds[r]!) / median(seconds['json-parse']!)) * 100) / 100;
  }
  figures.report_live_heap_mb = heap.live_heap_mb;
  say(`readers: ${JSON.stringify(figures)}`);
  return figures;
}

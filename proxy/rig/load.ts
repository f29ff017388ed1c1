// Load runs (soak, burst, chaos) against the built-in fakes, with the proxy as its own process so its
// memory can be measured and it can be restarted. Every run ends by checking the invariants.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent, fetch } from 'undici';
import { usageLogPath } from '../common/logs-layout.js';
import { percentile } from '../common/percentiles.js';
import { fetchStatus } from '../ops/control-client.js';
import { readRunState } from '../ops/run-state.js';
import { readLog, type LogEntry } from '../read/log-reader.js';
import type { Fault } from './fake-upstream.js';
import { freePort, startProxyProcess, type ProxyProcess } from './proxy-process.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startFakes } from './rig.js';

export type LoadMode = 'soak' | 'burst' | 'chaos';

export interface LoadOptions {
  mode: LoadMode;
  /** soak: how long; chaos: how long in all. */
  seconds: number;
  /** burst: streams at once; soak and chaos: concurrent clients. */
  concurrency: number;
  print: (s: string) => void;
}

export interface Invariant {
  name: string;
  pass: boolean;
  detail: string;
}

export interface LoadResult {
  ok: boolean;
  invariants: Invariant[];
  figures: Record<string, number | string>;
}

interface Outcome {
  status: number;
  complete: boolean;
  sha256?: string;
  requestId?: string;
  ms: number;
  error?: string;
}

const MODELS = ['claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5', 'claude-opus-4-1'];
const OAUTH = 'sk-ant-oat01-load-test-subscription-token';

function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return NaN;
  }
}

async function oneRequest(agent: ProxyAgent, i: number, forceStream = false): Promise<Outcome> {
  const model = MODELS[i % MODELS.length]!;
  const stream = forceStream || i % 5 !== 4;
  const oauth = i % 3 === 0;
  const t0 = performance.now();
  try {
    const res = await fetch('https://api.anthropic.com/v1/messages?beta=true', {
      dispatcher: agent,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        ...(oauth
          ? { authorization: `Bearer ${OAUTH}`, 'anthropic-beta': 'oauth-2025-04-20' }
          : { 'x-api-key': FAKE_ANTHROPIC_KEY }),
      },
      body: JSON.stringify({
        model,
        max_tokens: 64,
        stream,
        messages: [{ role: 'user', content: `load request ${i}` }],
      }),
      signal: AbortSignal.timeout(60_000),
    });
    const hash = createHash('sha256');
    let text = '';
    for await (const chunk of res.body ?? []) {
      hash.update(chunk as Uint8Array);
      if (text.length < 4096) text += Buffer.from(chunk as Uint8Array).toString('utf8');
    }
    return {
      status: res.status,
      complete: res.status !== 200 || !stream || text.includes('message_stop'),
      sha256: hash.digest('hex'),
      requestId: res.headers.get('request-id') ?? undefined,
      ms: performance.now() - t0,
    };
  } catch (e) {
    return { status: 0, complete: false, ms: performance.now() - t0, error: (e as Error).message };
  }
}

type Fakes = Awaited<ReturnType<typeof startFakes>>;

/** The proxy process of a run; chaos replaces it half way. --expose-gc: its status reports live memory after a collection. */
class LoadProxy {
  current!: ProxyProcess;
  restarts = 0;
  constructor(private readonly env: Record<string, string>) {}
  async start(): Promise<void> {
    this.current = await startProxyProcess({ ...this.env, NODE_OPTIONS: '--expose-gc' }, { readyTimeoutMs: 20_000 });
  }
  async restart(): Promise<void> {
    await this.current.stop();
    await this.start();
    this.restarts++;
  }
  rss(): number {
    return rssMb(this.current.pid);
  }
  /** Live heap + buffers after a GC, as the proxy reports it. */
  async liveMb(): Promise<number> {
    const m = (await fetchStatus(this.current.port)).memory;
    return Math.round((m.heap_used + m.array_buffers) * 10) / 10;
  }
}

interface Run {
  opts: LoadOptions;
  fakes: Fakes;
  proxy: LoadProxy;
  agent: ProxyAgent;
  outcomes: Outcome[];
  t0: number;
}

/** burst: every stream at once. */
async function driveBurst(run: Run): Promise<void> {
  run.opts.print(`burst: ${run.opts.concurrency} concurrent streams…`);
  run.outcomes.push(
    ...(await Promise.all(Array.from({ length: run.opts.concurrency }, (_, i) => oneRequest(run.agent, i, true)))),
  );
}

/** chaos: faults on the fakes in turn, and one proxy restart half way through. */
async function injectChaos(run: Run, until: number): Promise<void> {
  const faults: Fault[] = [
    { status: 500 },
    { status: 429, body: { error: { code: '1302', message: 'High concurrency' } } },
    { resetAfterEvents: 5 },
    { status: 529 },
  ];
  for (let k = 0; Date.now() < until; ) {
    run.fakes.zai.fault = faults[k++ % faults.length]!;
    if (k % 2 === 0) run.fakes.anthropic.fault = { resetAfterEvents: 6 };
    await new Promise((r) => setTimeout(r, 700));
    run.fakes.zai.fault = undefined;
    run.fakes.anthropic.fault = undefined;
    await new Promise((r) => setTimeout(r, 500));
    if (run.proxy.restarts === 0 && Date.now() > run.t0 + (until - run.t0) / 2) {
      run.opts.print('chaos: restarting the proxy mid-run…');
      await run.proxy.restart();
    }
  }
}

/** soak and chaos: `concurrency` clients sending one request after another until the time is up. */
async function driveTimed(run: Run): Promise<void> {
  const until = run.t0 + run.opts.seconds * 1000;
  let next = 0;
  let lastReport = run.t0;
  const client = async () => {
    while (Date.now() < until) {
      const o = await oneRequest(run.agent, next++);
      run.outcomes.push(o);
      // A client that cannot connect (the proxy is restarting) waits a little, as Claude Code's retry does.
      if (o.status === 0) await new Promise((r) => setTimeout(r, 200));
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        run.opts.print(
          `${run.opts.mode}: ${Math.round((Date.now() - run.t0) / 1000)}s, ${run.outcomes.length} requests, proxy RSS ${run.proxy.rss()} MB`,
        );
      }
    }
  };
  await Promise.all([
    run.opts.mode === 'chaos' ? injectChaos(run, until) : Promise.resolve(),
    ...Array.from({ length: run.opts.concurrency }, client),
  ]);
}

interface Memory {
  baseline: number;
  baselineLive: number;
  peak: number;
  final: number;
  finalLive: number;
}

/** The invariants, from the log and from what the fakes received. */
async function checkInvariants(run: Run, logPath: string, mem: Memory): Promise<Invariant[]> {
  const { fakes, outcomes } = run;
  const attempts = new Map<string, { d: number; c: number }>();
  await readLog(logPath, (e: LogEntry) => {
    const k = `${e.rid}:${e.attempt}`;
    const a = attempts.get(k) ?? { d: 0, c: 0 };
    if (e.kind === 'decision') a.d++;
    else a.c++;
    attempts.set(k, a);
  });
  const unpaired = [...attempts.entries()].filter(([, a]) => a.d !== 1 || a.c !== 1).map(([k]) => k);
  const answered = outcomes.filter((o) => o.status > 0).length;
  const firstAttempts = [...attempts.keys()].filter((k) => k.endsWith(':1')).length;
  const byId = new Map([...fakes.anthropic.responses, ...fakes.zai.responses].map((r) => [r.requestId, r]));
  const ok = outcomes.filter((o) => o.status === 200 && o.complete);
  const corrupted = ok.filter((o) => {
    const sent = o.requestId ? byId.get(o.requestId) : undefined;
    return !sent || sent.sha256 !== o.sha256;
  });
  const zaiLeak = fakes.zai.requests.filter((q) => {
    const h = JSON.stringify(q.headers);
    return h.includes(FAKE_ANTHROPIC_KEY) || h.includes(OAUTH) || q.headers['x-api-key'] !== FAKE_ZAI_KEY;
  });
  const anthLeak = fakes.anthropic.requests.filter((q) => JSON.stringify(q.headers).includes(FAKE_ZAI_KEY));
  // After a restart the baseline is the new process's; either way live data must not keep growing.
  const growth = mem.finalLive - mem.baselineLive;
  const invariants: Invariant[] = [
    {
      name: 'every attempt has exactly one decision and one completion line',
      pass: unpaired.length === 0 && firstAttempts >= answered,
      detail: `${attempts.size} attempts, ${unpaired.length} unpaired${unpaired.length ? ` (${unpaired.slice(0, 5).join(', ')})` : ''}; ${firstAttempts} requests logged for ${answered} answered`,
    },
    {
      name: 'no stream corrupted (client bytes = fake bytes, by SHA-256)',
      pass: corrupted.length === 0 && ok.length > 0,
      detail: `${ok.length} complete answers checked, ${corrupted.length} differ`,
    },
    {
      name: 'no credential crossed lanes',
      pass: zaiLeak.length === 0 && anthLeak.length === 0,
      detail: `z.ai fake ${fakes.zai.requests.length} requests (${zaiLeak.length} bad), anthropic fake ${fakes.anthropic.requests.length} (${anthLeak.length} bad)`,
    },
    {
      name: 'proxy memory returns to baseline (live heap + buffers after GC ≤ +10 MB)',
      pass: Number.isFinite(growth) && growth <= 10,
      detail: `live ${mem.baselineLive} → ${mem.finalLive} MB; RSS baseline ${mem.baseline} MB, peak ${mem.peak} MB, after ${mem.final} MB`,
    },
  ];
  if (run.opts.mode === 'burst')
    invariants.push({
      name: 'every stream of the burst completed',
      pass: ok.length === outcomes.length,
      detail: `${ok.length}/${outcomes.length}`,
    });
  return invariants;
}

function failedBy(outcomes: Outcome[]): string {
  const counts: Record<string, number> = {};
  for (const o of outcomes.filter((x) => !(x.status === 200 && x.complete))) {
    const k =
      o.status === 0
        ? (o.error ?? 'error').split(':')[0]!.replace(/\s+/g, '_')
        : o.status === 200
          ? 'truncated'
          : String(o.status);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return (
    Object.entries(counts)
      .map(([k, v]) => `${k}:${v}`)
      .join(',') || 'none'
  );
}

function figuresOf(run: Run, elapsedS: number, mem: Memory): Record<string, number | string> {
  const { outcomes, fakes } = run;
  const ok = outcomes.filter((o) => o.status === 200 && o.complete);
  const lat = outcomes
    .filter((o) => o.status === 200)
    .map((o) => o.ms)
    .sort((a, b) => a - b);
  return {
    mode: run.opts.mode,
    seconds: Math.round(elapsedS * 10) / 10,
    requests: outcomes.length,
    ok: ok.length,
    failed: outcomes.length - ok.length,
    failed_by: failedBy(outcomes),
    zai_answers: ok.filter((o) => fakes.zai.responses.some((r) => r.requestId === o.requestId)).length,
    p50_ms: Math.round(percentile(lat, 50) ?? NaN),
    p99_ms: Math.round(percentile(lat, 99) ?? NaN),
    rss_baseline_mb: mem.baseline,
    rss_peak_mb: mem.peak,
    rss_after_mb: mem.final,
    live_baseline_mb: mem.baselineLive,
    live_after_mb: mem.finalLive,
    restarts: run.proxy.restarts,
  };
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), `ccp-${opts.mode}-`));
  const fakes = await startFakes(dir, { anthropic: { eventGapMs: 20, deltas: 5 }, zai: { eventGapMs: 20, deltas: 5 } });
  const env: Record<string, string> = {
    ...fakes.env,
    MITM_PORT: String(await freePort()),
    CCP_ENV_FILE: join(dir, 'sub-env.sh'),
    CCP_ZAI_COOLDOWN_S: '2',
  };
  const proxy = new LoadProxy(env);
  try {
    await proxy.start();
    const caPem = readFileSync(readRunState(env.CCP_LOGS_DIR!)!.ca_cert, 'utf8');
    const agent = new ProxyAgent({
      uri: `http://127.0.0.1:${env.MITM_PORT}`,
      requestTls: { ca: [caPem] },
      connections: Math.max(8, opts.concurrency),
    });
    // Warm up, then take the baseline.
    for (let i = 0; i < 20; i++) await oneRequest(agent, i);
    await new Promise((r) => setTimeout(r, 500));
    const mem: Memory = {
      baseline: proxy.rss(),
      baselineLive: await proxy.liveMb(),
      peak: 0,
      final: NaN,
      finalLive: NaN,
    };
    const sampler = setInterval(() => (mem.peak = Math.max(mem.peak, proxy.rss() || 0)), 100);
    const run: Run = { opts, fakes, proxy, agent, outcomes: [], t0: Date.now() };
    await (opts.mode === 'burst' ? driveBurst(run) : driveTimed(run));
    clearInterval(sampler);
    const elapsed = (Date.now() - run.t0) / 1000;
    await agent.close();
    await new Promise((r) => setTimeout(r, 1500));
    mem.final = proxy.rss();
    mem.finalLive = await proxy.liveMb();
    await proxy.current.stop();
    const invariants = await checkInvariants(run, usageLogPath(env.CCP_LOGS_DIR!), mem);
    const figures = figuresOf(run, elapsed, mem);
    opts.print(
      Object.entries(figures)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    );
    for (const inv of invariants) opts.print(`${inv.pass ? 'PASS' : 'FAIL'}  ${inv.name}: ${inv.detail}`);
    return { ok: invariants.every((i) => i.pass), invariants, figures };
  } finally {
    await proxy.current?.stop().catch(() => undefined);
    await fakes.anthropic.stop();
    await fakes.zai.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

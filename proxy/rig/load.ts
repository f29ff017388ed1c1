// Load runs (soak, burst, chaos) against the built-in fakes, with the proxy as its own process so its
// memory can be measured and it can be restarted. Every run ends by checking the invariants.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { ProxyAgent, fetch } from 'undici';
import { mitmCommand } from './mitm-command.js';
import type { Fault } from './fake-upstream.js';
import { readLog, type LogEntry } from '../read/log-reader.js';
import { percentile } from '../common/percentiles.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startFakes } from './rig.js';
import { fetchStatus } from '../ops/control-client.js';
import { isAlive, readRunState } from '../ops/run-state.js';

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

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

class ProxyProcess {
  child: ResultPromise | undefined;
  pid = 0;
  private out = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    this.out = '';
    const mitm = mitmCommand();
    this.child = execa(mitm.file, mitm.args, {
      // --expose-gc: the status endpoint then reports live memory after a collection.
      env: { ...this.env, FORCE_COLOR: '0', NODE_OPTIONS: '--expose-gc' },
      reject: false,
      all: true,
      timeout: 30 * 60_000,
    });
    this.child.all!.on('data', (d: Buffer) => (this.out += d.toString()));
    const until = Date.now() + 20_000;
    while (!this.out.includes('In another terminal')) {
      if (Date.now() > until) throw new Error(`proxy did not start: ${this.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.pid = readRunState(this.env.CCP_LOGS_DIR!)!.pid;
  }

  /** SIGTERM, as `npm run stop` does; waits for the clean shutdown. */
  async stop(): Promise<void> {
    if (!this.child) return;
    if (isAlive(this.pid)) process.kill(this.pid, 'SIGTERM');
    await this.child;
    this.child = undefined;
  }

  get output(): string {
    return this.out;
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
        ...(oauth ? { authorization: `Bearer ${OAUTH}`, 'anthropic-beta': 'oauth-2025-04-20' } : { 'x-api-key': FAKE_ANTHROPIC_KEY }),
      },
      body: JSON.stringify({ model, max_tokens: 64, stream, messages: [{ role: 'user', content: `load request ${i}` }] }),
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

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), `ccp-${opts.mode}-`));
  const fakes = await startFakes(dir, { anthropic: { eventGapMs: 20, deltas: 5 }, zai: { eventGapMs: 20, deltas: 5 } });
  const env: Record<string, string> = { ...fakes.env, MITM_PORT: String(await freePort()), CCP_ENV_FILE: join(dir, 'sub-env.sh'), CCP_ZAI_COOLDOWN_S: '2' };
  const proxy = new ProxyProcess(env);
  const outcomes: Outcome[] = [];
  let peakRss = 0;
  let restarts = 0;
  try {
    await proxy.start();
    const caPem = readFileSync(readRunState(env.CCP_LOGS_DIR!)!.ca_cert, 'utf8');
    const agent = new ProxyAgent({ uri: `http://127.0.0.1:${env.MITM_PORT}`, requestTls: { ca: [caPem] }, connections: Math.max(8, opts.concurrency) });
    // Warm up, then take the baseline.
    for (let i = 0; i < 20; i++) await oneRequest(agent, i);
    await new Promise((r) => setTimeout(r, 500));
    const liveMb = async () => {
      const m = (await fetchStatus(Number(env.MITM_PORT))).memory;
      return Math.round((m.heap_used + m.array_buffers) * 10) / 10;
    };
    const baseline = rssMb(proxy.pid);
    const baselineLive = await liveMb();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(proxy.pid) || 0)), 100);
    const t0 = Date.now();
    let next = 0;

    if (opts.mode === 'burst') {
      opts.print(`burst: ${opts.concurrency} concurrent streams…`);
      const all = await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => oneRequest(agent, i, true)));
      outcomes.push(...all);
    } else {
      const until = t0 + opts.seconds * 1000;
      const faults: (Fault | 'stop')[] = [{ status: 500 }, { status: 429, body: { error: { code: '1302', message: 'High concurrency' } } }, { resetAfterEvents: 5 }, { status: 529 }];
      let lastReport = t0;
      const chaos = opts.mode === 'chaos'
        ? (async () => {
            // Faults on the fakes in turn, and one proxy restart half way through.
            let k = 0;
            while (Date.now() < until) {
              const f = faults[k++ % faults.length]!;
              if (f !== 'stop') fakes.zai.fault = f;
              if (k % 2 === 0) fakes.anthropic.fault = { resetAfterEvents: 6 };
              await new Promise((r) => setTimeout(r, 700));
              fakes.zai.fault = undefined;
              fakes.anthropic.fault = undefined;
              await new Promise((r) => setTimeout(r, 500));
              if (restarts === 0 && Date.now() > t0 + (until - t0) / 2) {
                opts.print('chaos: restarting the proxy mid-run…');
                await proxy.stop();
                await proxy.start();
                restarts++;
              }
            }
          })()
        : Promise.resolve();
      await Promise.all([
        chaos,
        ...Array.from({ length: opts.concurrency }, async () => {
          while (Date.now() < until) {
            const o = await oneRequest(agent, next++);
            outcomes.push(o);
            // A client that cannot connect (the proxy is restarting) waits a little, as Claude Code's retry does.
            if (o.status === 0) await new Promise((r) => setTimeout(r, 200));
            if (Date.now() - lastReport > 5000) {
              lastReport = Date.now();
              opts.print(`${opts.mode}: ${Math.round((Date.now() - t0) / 1000)}s, ${outcomes.length} requests, proxy RSS ${rssMb(proxy.pid)} MB`);
            }
          }
        }),
      ]);
    }
    clearInterval(sampler);
    const elapsed = (Date.now() - t0) / 1000;
    await agent.close();
    await new Promise((r) => setTimeout(r, 1500));
    const final = rssMb(proxy.pid);
    const finalLive = await liveMb();
    await proxy.stop();

    // Invariants, from the log and from what the fakes received.
    const attempts = new Map<string, { d: number; c: number }>();
    await readLog(join(env.CCP_LOGS_DIR!, 'usage.jsonl'), (e: LogEntry) => {
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
    const growth = finalLive - baselineLive;
    const invariants: Invariant[] = [
      { name: 'every attempt has exactly one decision and one completion line', pass: unpaired.length === 0 && firstAttempts >= answered, detail: `${attempts.size} attempts, ${unpaired.length} unpaired${unpaired.length ? ` (${unpaired.slice(0, 5).join(', ')})` : ''}; ${firstAttempts} requests logged for ${answered} answered` },
      { name: 'no stream corrupted (client bytes = fake bytes, by SHA-256)', pass: corrupted.length === 0 && ok.length > 0, detail: `${ok.length} complete answers checked, ${corrupted.length} differ` },
      { name: 'no credential crossed lanes', pass: zaiLeak.length === 0 && anthLeak.length === 0, detail: `z.ai fake ${fakes.zai.requests.length} requests (${zaiLeak.length} bad), anthropic fake ${fakes.anthropic.requests.length} (${anthLeak.length} bad)` },
      { name: 'proxy memory returns to baseline (live heap + buffers after GC ≤ +10 MB)', pass: Number.isFinite(growth) && growth <= 10, detail: `live ${baselineLive} → ${finalLive} MB; RSS baseline ${baseline} MB, peak ${peakRss} MB, after ${final} MB` },
    ];
    if (opts.mode === 'burst') {
      invariants.push({ name: 'every stream of the burst completed', pass: ok.length === outcomes.length, detail: `${ok.length}/${outcomes.length}` });
    }
    const lat = outcomes.filter((o) => o.status === 200).map((o) => o.ms).sort((a, b) => a - b);
    const figures = {
      mode: opts.mode,
      seconds: Math.round(elapsed * 10) / 10,
      requests: outcomes.length,
      ok: ok.length,
      failed: outcomes.length - ok.length,
      failed_by: Object.entries(
        outcomes.filter((o) => !(o.status === 200 && o.complete)).reduce<Record<string, number>>((acc, o) => {
          const k = o.status === 0 ? (o.error ?? 'error').split(':')[0]!.replace(/\s+/g, '_') : o.status === 200 ? 'truncated' : String(o.status);
          acc[k] = (acc[k] ?? 0) + 1;
          return acc;
        }, {}),
      ).map(([k, v]) => `${k}:${v}`).join(',') || 'none',
      zai_answers: ok.filter((o) => fakes.zai.responses.some((r) => r.requestId === o.requestId)).length,
      p50_ms: Math.round(percentile(lat, 50) ?? NaN),
      p99_ms: Math.round(percentile(lat, 99) ?? NaN),
      rss_baseline_mb: baseline,
      rss_peak_mb: peakRss,
      rss_after_mb: final,
      live_baseline_mb: baselineLive,
      live_after_mb: finalLive,
      restarts,
    };
    opts.print(Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' '));
    for (const inv of invariants) opts.print(`${inv.pass ? 'PASS' : 'FAIL'}  ${inv.name}: ${inv.detail}`);
    return { ok: invariants.every((i) => i.pass), invariants, figures };
  } finally {
    await proxy.stop().catch(() => undefined);
    await fakes.anthropic.stop();
    await fakes.zai.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

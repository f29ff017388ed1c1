// summarize and verify-routing on fixture logs: hand-computed numbers, malformed and original-kit
import { usageLogPath } from '../proxy/common/logs-layout.js';
// lines, empty windows, and exit codes of the real tasks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSince, readLog } from '../proxy/read/log-reader.js';
import { LogHistogram, Samples, percentile } from '../proxy/common/percentiles.js';
import type { Quantiles } from '../proxy/read/summarize.js';
import { summarizeLog, verifyLog } from '../proxy/read/reports.js';
import { formatVerdict, isHaikuFamily, laneHosts, parseExpect } from '../proxy/read/verify.js';
import { MIN_PER_ARM, h1h2Report, headerModeReport } from '../proxy/read/ab-report.js';
import { npmRun } from './helpers.js';

let dir: string;
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-readers-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const T = 1_795_000_000;
let n = 0;
function pair(o: Record<string, unknown>): string {
  const rid = (o.rid as string) ?? `r${++n}`;
  const base = {
    v: 1,
    rid,
    attempt: 1,
    lane: o.lane,
    model: o.model,
    decision: o.decision ?? 'forced_model',
    path: '/v1/messages',
    op: 'stream',
    h2: false,
  };
  return [
    JSON.stringify({ ...base, event: 'decision', ts: o.ts }),
    JSON.stringify({ ...base, event: 'complete', status: 200, ...o, rid }),
  ].join('\n');
}

/** Percentiles as the readers' histograms give them: exact below 204.8 ms, within 1/2048 (+ the log's 0.1 ms) above. */
function nearRank(got: Quantiles, exact: Quantiles, what: string): void {
  for (const p of ['p50', 'p95', 'p99'] as const) {
    const e = exact[p];
    const g = got[p];
    if (e === undefined || e < 204.8) assert.is(g, e, `${what} ${p}`);
    else assert.ok(g !== undefined && Math.abs(g - e) <= e / 2048 + 0.05, `${what} ${p}: ${g} vs exact ${e}`);
  }
}

function write(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('nearest-rank percentiles, checked by hand', () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.is(percentile(xs, 50), 5);
  assert.is(percentile(xs, 95), 10);
  assert.is(percentile(xs, 99), 10);
  assert.is(percentile([7], 99), 7);
  assert.is(percentile([], 50), undefined);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal([percentile(hundred, 50), percentile(hundred, 95), percentile(hundred, 99)], [50, 95, 99]);
});

test('quantiles by selection equal nearest-rank over a sorted copy, duplicates included', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const n of [1, 2, 3, 7, 20, 101, 1000, 5003]) {
    const s = new Samples();
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = Math.round(rnd() * (i % 3 ? 5000 : 20)) / 10; // many duplicates in a third of the values
      xs.push(Math.fround(v));
      s.push(v);
    }
    xs.sort((a, b) => a - b);
    const r = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000) / 1000);
    assert.equal(
      s.quantiles(),
      { p50: r(percentile(xs, 50)), p95: r(percentile(xs, 95)), p99: r(percentile(xs, 99)) },
      `n=${n}`,
    );
  }
});

test('LogHistogram: nearest rank exact below 204.8 ms, within 1/2048 above (brute force over sorted samples); memory bounded', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const n of [1, 2, 3, 20, 101, 1000, 20_000]) {
    const h = new LogHistogram();
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      // 0.1 ms to ~20 minutes, log-spread, at the log's 0.1 ms resolution
      const v = Math.round(Math.exp(rnd() * 16) - 1) / 10;
      xs.push(v);
      h.push(v);
    }
    xs.sort((a, b) => a - b);
    assert.is(h.size, n);
    nearRank(h.quantiles(), { p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) }, `n=${n}`);
  }
  // A million values across the whole range allocate at most the 23 blocks of 1024 counts.
  const h = new LogHistogram();
  for (let i = 0; i < 1_000_000; i++) h.push(Math.exp(rnd() * 21));
  const blocks = (h as unknown as { blocks: (Uint32Array | undefined)[] }).blocks.filter(Boolean).length;
  assert.ok(blocks <= 23, `${blocks} blocks`);
});

test('summarize: per-lane counts, percentiles (exact below 204.8 ms, within 0.05 % above), tokens, offload share; malformed and foreign lines counted', async () => {
  const lines = [
    // z.ai: latencies 100..500, ttft 10..50
    ...[100, 200, 300, 400, 500].map((l, i) =>
      pair({
        ts: T + i,
        lane: 'zai',
        model: 'claude-haiku-4-5',
        header_mode: 'x-api-key',
        latency_ms: l,
        ttft_ms: (i + 1) * 10,
        input_tokens: 10,
        output_tokens: 2,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 1,
      }),
    ),
    // anthropic: one sonnet, one paused haiku, one 429
    pair({
      ts: T + 10,
      lane: 'anthropic',
      model: 'claude-sonnet-4-5',
      decision: 'pass_through',
      latency_ms: 1000,
      ttft_ms: 300,
      input_tokens: 50,
      output_tokens: 5,
      h2: true,
    }),
    pair({
      ts: T + 11,
      lane: 'anthropic',
      model: 'claude-haiku-4-5',
      decision: 'failover_paused',
      latency_ms: 700,
      op: 'nonstream',
    }),
    pair({
      ts: T + 12,
      lane: 'anthropic',
      model: 'claude-opus-4',
      decision: 'pass_through',
      status: 429,
      err_type: '429',
      latency_ms: 50,
    }),
    '{"v":1,"event":"complete","ts":17950', // torn last-line shape
    'not json at all',
    '{}',
    // original Python kit: decision (status -1) and completion lines without event; an error line
    JSON.stringify({
      ts: T + 20,
      rid: 'old1',
      lane: 'zai',
      model: 'claude-haiku-4-5',
      status: -1,
      event: 'decision',
      decision: 'forced_model',
      upstream: 'zai',
    }),
    JSON.stringify({
      ts: T + 21,
      rid: 'old1',
      lane: 'zai',
      model: 'claude-haiku-4-5',
      input_tokens: 0,
      output_tokens: 0,
      status: 200,
      reason: 'streaming',
      op: 'stream',
      latency_ms: 900,
      err_type: null,
      upstream: 'zai',
      h2: true,
      header_mode: 'authorization',
    }),
    JSON.stringify({
      ts: T + 22,
      rid: 'old2',
      lane: 'anthropic',
      model: 'claude-sonnet-4-5',
      status: 0,
      event: 'error',
      err_type: 'timeout',
      upstream: 'anth',
      h2: false,
    }),
  ];
  const m = await summarizeLog(write('a.jsonl', lines));
  assert.is(m.source.malformed, 2);
  assert.is(m.source.ignored, 1);
  const zai = m.lanes.zai!;
  assert.is(zai.requests, 6);
  nearRank(zai.latency_ms, { p50: 300, p95: 900, p99: 900 }, 'zai latency');
  assert.equal(zai.ttft_ms, { p50: 30, p95: 50, p99: 50 });
  assert.equal(zai.tokens, { input: 50, output: 10, cache_creation: 5, cache_read: 500 });
  assert.equal(Object.keys(zai.by_header_mode), ['authorization', 'x-api-key']);
  assert.is(zai.by_http.h2!.requests, 1);
  const anth = m.lanes.anthropic!;
  assert.is(anth.requests, 4);
  assert.is(anth.errors, 2);
  assert.equal(anth.err_types, { '429': 1, timeout: 1 });
  assert.is(anth.by_decision.failover_paused!.requests, 1);
  assert.is(anth.by_op.nonstream!.requests, 1);
  assert.equal(m.haiku, { requests: 7, answered_on_zai: 6, offload_share: 0.8571 });
  assert.is(m.totals.requests, 10);
  assert.is(m.decisions_without_completion, 0);
});

test('summarize --since skips older lines; rotated files are read oldest first', async () => {
  const base = usageLogPath(join(dir, 'rot'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'rot'));
  writeFileSync(`${base}.2`, `${pair({ ts: T, lane: 'zai', model: 'claude-haiku-4-5', latency_ms: 1 })}\n`);
  writeFileSync(`${base}.1`, `${pair({ ts: T + 100, lane: 'zai', model: 'claude-haiku-4-5', latency_ms: 2 })}\n`);
  writeFileSync(base, `${pair({ ts: T + 200, lane: 'anthropic', model: 'claude-sonnet-4', latency_ms: 3 })}\n`);
  const seen: number[] = [];
  const stats = await readLog(base, (e) => e.kind === 'completion' && seen.push(e.latency_ms!));
  assert.equal(seen, [1, 2, 3]);
  assert.is(stats.files.length, 3);
  const m = await summarizeLog(base, { since: T + 50 });
  assert.is(m.totals.requests, 2);
  assert.is(m.source.outside_window, 2);
  assert.is(Math.round(parseSince('2h', 10_000_000)), 10_000 - 7200);
  assert.is(parseSince('2026-11-24T00:00:00Z'), Date.parse('2026-11-24T00:00:00Z') / 1000);
  assert.throws(() => parseSince('yesterday'), /--since/);
});

test('reading in small chunks: lines longer than the buffer, \\r\\n, non-ASCII and a torn last line read the same', async () => {
  const long = 'x'.repeat(300);
  const file = join(dir, 'chunks.jsonl');
  writeFileSync(
    file,
    [
      pair({ ts: T, lane: 'zai', model: 'claude-haiku-4-5', latency_ms: 5, error: long }),
      pair({
        ts: T + 1,
        lane: 'anthropic',
        model: 'claude-sonnet-4',
        latency_ms: 6,
        reason: 'sonnet → anthropic lane ✓',
      }).replace('\n', '\r\n'),
      '{"v":1,"event":"complete","ts":',
    ].join('\n'),
  );
  const read = async (chunkBytes?: number) => {
    const seen: unknown[] = [];
    const stats = await readLog(file, (e) => seen.push(e), {
      includeRotated: false,
      ...(chunkBytes ? { chunkBytes } : {}),
    });
    return { seen, stats };
  };
  const whole = await read();
  const small = await read(16);
  assert.is(whole.seen.length, 4);
  assert.is(whole.stats.malformed, 1);
  assert.equal(small, whole);
  assert.is((whole.seen[1] as { error: string }).error, long);
  assert.is((whole.seen[3] as { reason: string }).reason, 'sonnet → anthropic lane ✓');
});

test('per-group percentiles (op, http, header mode, decision) are nearest rank over each group within the histogram’s 0.05 %, checked by brute force', async () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const rows = Array.from({ length: 600 }, (_, i) => {
    const lane = pick(['zai', 'anthropic']);
    return {
      ts: T + i,
      lane,
      model: lane === 'zai' ? 'claude-haiku-4-5' : 'claude-sonnet-4',
      op: pick(['stream', 'nonstream']),
      h2: rnd() < 0.5,
      decision: pick(['forced_model', 'pass_through', 'fallback']),
      latency_ms: Math.round(rnd() * 5000) / 10,
      ...(lane === 'zai' ? { header_mode: pick(['x-api-key', 'authorization']) } : {}),
      ...(rnd() < 0.8 ? { ttft_ms: Math.round(rnd() * 900) / 10 } : {}),
    };
  });
  const m = await summarizeLog(
    write(
      'groups.jsonl',
      rows.map((r) => pair(r)),
    ),
    { includeRotated: false },
  );
  const expected = (xs: typeof rows, f: 'latency_ms' | 'ttft_ms') => {
    const v = xs
      .map((r) => r[f as keyof typeof r] as number | undefined)
      .filter((x): x is number => x !== undefined)
      .sort((a, b) => a - b);
    return v.length ? { p50: percentile(v, 50), p95: percentile(v, 95), p99: percentile(v, 99) } : {};
  };
  const check = (
    got: { latency_ms: Quantiles; ttft_ms: Quantiles; requests: number },
    xs: typeof rows,
    what: string,
  ) => {
    assert.is(got.requests, xs.length, what);
    nearRank(got.latency_ms, expected(xs, 'latency_ms'), `${what} latency`);
    nearRank(got.ttft_ms, expected(xs, 'ttft_ms'), `${what} ttft`);
  };
  check(m.totals, rows, 'totals');
  let groups = 0;
  for (const lane of ['zai', 'anthropic']) {
    const inLane = rows.filter((r) => r.lane === lane);
    const l = m.lanes[lane]!;
    check(l, inLane, lane);
    for (const [k, g] of Object.entries(l.by_op)) {
      check(
        g,
        inLane.filter((r) => r.op === k),
        `${lane} op ${k}`,
      );
      groups++;
    }
    for (const [k, g] of Object.entries(l.by_http)) {
      check(
        g,
        inLane.filter((r) => (r.h2 ? 'h2' : 'h1') === k),
        `${lane} http ${k}`,
      );
      groups++;
    }
    for (const [k, g] of Object.entries(l.by_header_mode)) {
      check(
        g,
        inLane.filter((r) => r.header_mode === k),
        `${lane} header ${k}`,
      );
      groups++;
    }
    for (const [k, g] of Object.entries(l.by_decision)) {
      check(
        g,
        inLane.filter((r) => r.decision === k),
        `${lane} decision ${k}`,
      );
      groups++;
    }
  }
  assert.is(groups, 2 * (2 + 2 + 3) + 2);
});

test('verify: clean log passes; each violation fails naming the rid', async () => {
  const expect = parseExpect('haiku=zai,sonnet=anthropic');
  const hosts = laneHosts({
    zaiBaseUrl: new URL('https://api.z.ai/api/anthropic'),
    anthBaseUrl: new URL('https://api.anthropic.com'),
  });
  const zaiUp = { upstream: 'api.z.ai', header_mode: 'x-api-key' };
  const anthUp = { upstream: 'api.anthropic.com' };
  const clean = write('clean.jsonl', [
    pair({ ts: T, lane: 'zai', model: 'claude-haiku-4-5', ...zaiUp }),
    pair({ ts: T + 1, lane: 'anthropic', model: 'claude-sonnet-4-5', decision: 'pass_through', ...anthUp }),
    pair({ ts: T + 2, lane: 'anthropic', model: 'claude-haiku-4-5', decision: 'cooldown', ...anthUp }),
  ]);
  const ok = await verifyLog(clean, expect, { hosts });
  assert.is(ok.exitCode, 0, formatVerdict(ok));

  const bad = write('bad.jsonl', [
    pair({ ts: T, lane: 'zai', model: 'claude-haiku-4-5', ...zaiUp }),
    pair({
      ts: T + 1,
      rid: 'badhaiku',
      lane: 'anthropic',
      model: 'claude-haiku-4-5',
      decision: 'pass_through',
      ...anthUp,
    }),
    pair({ ts: T + 2, rid: 'sonnetzai', lane: 'zai', model: 'claude-sonnet-4-5', ...zaiUp }),
    pair({ ts: T + 3, lane: 'anthropic', model: 'claude-sonnet-4-5', decision: 'pass_through', ...anthUp }),
    JSON.stringify({
      v: 1,
      event: 'decision',
      ts: T + 4,
      rid: 'lost1',
      attempt: 1,
      lane: 'zai',
      model: 'claude-haiku-4-5',
      decision: 'forced_model',
    }),
    // Where requests physically went, and what the router could read:
    pair({
      ts: T + 5,
      rid: 'crossed',
      lane: 'anthropic',
      model: 'claude-sonnet-4-5',
      decision: 'pass_through',
      upstream: 'api.z.ai',
    }),
    pair({
      ts: T + 6,
      rid: 'zaitoanth',
      lane: 'zai',
      model: 'claude-haiku-4-5',
      upstream: 'api.anthropic.com',
      header_mode: 'x-api-key',
    }),
    pair({ ts: T + 7, rid: 'nomodel', lane: 'anthropic', model: undefined, decision: 'pass_through', ...anthUp }),
    pair({
      ts: T + 8,
      rid: 'anthmode',
      lane: 'anthropic',
      model: 'claude-opus-4-1',
      decision: 'pass_through',
      ...anthUp,
      header_mode: 'authorization',
    }),
    // Says nothing of where it went, and the proxy did not answer it itself: it cannot be judged.
    pair({ ts: T + 9, rid: 'nowhere', lane: 'zai', model: 'claude-haiku-4-5', header_mode: 'x-api-key' }),
    // The proxy's own answer (a 413) went nowhere on purpose and says so.
    pair({
      ts: T + 10,
      rid: 'own413',
      lane: 'anthropic',
      model: 'claude-sonnet-4-5',
      decision: 'pass_through',
      status: 413,
      proxy_status: 413,
    }),
  ]);
  const v = await verifyLog(bad, expect, { now: T + 1000, hosts });
  assert.is(v.exitCode, 1);
  const failed = v.checks.filter((c) => !c.pass);
  assert.equal(
    failed.map((c) => [c.name, c.rids]),
    [
      ['haiku on the z.ai lane unless a logged reason allows anthropic', ['badhaiku']],
      ['no non-haiku request on the z.ai lane unless a subagent moved by the policy in force', ['sonnetzai']],
      ['every decision has a completion (grace 120s)', ['lost1']],
      ['no anthropic-lane request reached the z.ai host', ['crossed']],
      ['every completion says where it went', ['nowhere']],
      ['every request reached the host configured for its lane', ['zaitoanth']],
      ['every /v1/messages body had a readable model', ['nomodel']],
      ['no anthropic-lane request carries a z.ai header mode', ['anthmode']],
    ],
  );
  // Within the grace period an open decision is in flight, not lost.
  assert.ok((await verifyLog(bad, expect, { now: T + 10, hosts })).checks[2]!.pass);
  // Another configuration's hosts can be named, so older logs still verify.
  const moved = write('moved.jsonl', [
    pair({ ts: T, lane: 'zai', model: 'claude-haiku-4-5', upstream: 'open.bigmodel.cn', header_mode: 'x-api-key' }),
    pair({ ts: T + 1, lane: 'anthropic', model: 'claude-sonnet-4-5', decision: 'pass_through', ...anthUp }),
  ]);
  assert.is((await verifyLog(moved, expect, { hosts })).exitCode, 1);
  const more = laneHosts(
    { zaiBaseUrl: new URL('https://api.z.ai/api/anthropic'), anthBaseUrl: new URL('https://api.anthropic.com') },
    { zai: ['open.bigmodel.cn'] },
  );
  assert.is((await verifyLog(moved, expect, { hosts: more })).exitCode, 0);
});

test('verify reads model families on its own: a model the router would call haiku by substring is not haiku to verify', async () => {
  // 'claude-haikuish-1' contains "haiku" (the router's substring rule) but no word "haiku": on the z.ai
  // lane verify flags it, so a router that routed by a looser rule cannot pass its own check.
  const odd = write('odd.jsonl', [
    pair({
      ts: T,
      rid: 'loose',
      lane: 'zai',
      model: 'claude-haikuish-1',
      upstream: 'api.z.ai',
      header_mode: 'x-api-key',
    }),
  ]);
  const v = await verifyLog(odd, [], {
    hosts: laneHosts({
      zaiBaseUrl: new URL('https://api.z.ai/api/anthropic'),
      anthBaseUrl: new URL('https://api.anthropic.com'),
    }),
  });
  assert.equal(
    v.checks.filter((c) => !c.pass).map((c) => [c.name, c.rids]),
    [['no non-haiku request on the z.ai lane unless a subagent moved by the policy in force', ['loose']]],
  );
  for (const m of ['claude-haiku-4-5-20251001', 'claude-haiku-5-5', 'claude-3-5-haiku-latest', 'CLAUDE-HAIKU-4-5'])
    assert.ok(isHaikuFamily(m), m);
  for (const m of ['claude-sonnet-4-5', 'claude-opus-4-1', 'haiku-sonnet-mix', undefined, ''])
    assert.not.ok(isHaikuFamily(m), String(m));
});

test('verify: an expected lane with no traffic fails; an empty window is "no data"', async () => {
  const onlyHaiku = write('only-haiku.jsonl', [pair({ ts: T, lane: 'zai', model: 'claude-haiku-4-5' })]);
  const v = await verifyLog(onlyHaiku, parseExpect('haiku=zai,sonnet=anthropic'));
  assert.is(v.exitCode, 1);
  assert.ok(v.checks.find((c) => c.name.startsWith('sonnet'))!.pass === false);
  assert.is((await verifyLog(onlyHaiku, [], { since: T + 5 })).exitCode, 2);
  assert.throws(() => parseExpect('haiku=openai'), /lane zai or anthropic/);
});

test('the real tasks: exit codes 0 / 1 / 2 and METRICS.json', async () => {
  const logs = join(dir, 'tasklogs');
  const { mkdirSync, readFileSync, existsSync } = await import('node:fs');
  mkdirSync(logs);
  const env = { CCP_LOGS_DIR: logs, CCP_RESULTS_DIR: join(dir, 'taskresults') };
  assert.is((await npmRun('verify-routing', [], env)).exitCode, 2, 'no log');
  assert.is((await npmRun('summarize', [], env)).exitCode, 2, 'no log');
  writeFileSync(
    usageLogPath(logs),
    `${[
      pair({
        ts: T,
        lane: 'zai',
        model: 'claude-haiku-4-5',
        latency_ms: 10,
        upstream: 'api.z.ai',
        header_mode: 'x-api-key',
      }),
      pair({
        ts: T + 1,
        lane: 'anthropic',
        model: 'claude-sonnet-4-5',
        decision: 'pass_through',
        latency_ms: 20,
        upstream: 'api.anthropic.com',
      }),
    ].join('\n')}\n`,
  );
  const ok = await npmRun('verify-routing', [], env, {
    extendEnv: false,
    env: { PATH: process.env.PATH!, HOME: dir, ...env, FORCE_COLOR: '0' },
  });
  assert.is(ok.exitCode, 0, String(ok.stdout));
  const okLines = String(ok.stdout).trim().split('\n');
  assert.is(
    okLines[0],
    "hosts judged by this shell's ZAI_BASE_URL/ANTH_BASE_URL (no run line in the log): 2 completion(s)",
  );
  assert.is(okLines.filter((l) => l.startsWith('PASS')).length, 11, String(ok.stdout));
  assert.is(okLines.filter((l) => l.startsWith('FAIL')).length, 0);
  assert.is(okLines.at(-1), 'routing verified over 2 completion(s)');
  const s = await npmRun('summarize', [], env);
  assert.is(s.exitCode, 0);
  assert.match(String(s.stdout), 'haiku offloaded to zai: 100.0% (1 of 1 haiku requests)');
  assert.ok(existsSync(join(dir, 'taskresults', 'METRICS.json')));
  assert.is(JSON.parse(readFileSync(join(dir, 'taskresults', 'METRICS.json'), 'utf8')).totals.requests, 2);
  writeFileSync(usageLogPath(logs), `${pair({ ts: T, rid: 'sneaky', lane: 'zai', model: 'claude-opus-4' })}\n`, {
    flag: 'a',
  });
  const bad = await npmRun('verify-routing', [], env);
  assert.is(bad.exitCode, 1);
  assert.match(String(bad.stdout), /FAIL .*sneaky/);
  const empty = await npmRun('verify-routing', ['--since', '1h'], env);
  assert.is(empty.exitCode, 2);
  // --zai-host / --anthropic-host: a log of another configuration verifies once its hosts are named.
  const china = join(dir, 'china-logs');
  mkdirSync(china);
  writeFileSync(
    usageLogPath(china),
    `${[
      pair({
        ts: T,
        rid: 'cn',
        lane: 'zai',
        model: 'claude-haiku-4-5',
        upstream: 'open.bigmodel.cn',
        header_mode: 'x-api-key',
      }),
      pair({
        ts: T + 1,
        rid: 'gw',
        lane: 'anthropic',
        model: 'claude-sonnet-4-5',
        decision: 'pass_through',
        upstream: 'gateway.example:8443',
      }),
    ].join('\n')}\n`,
  );
  const cnEnv = { ...env, CCP_LOGS_DIR: china };
  const unnamed = await npmRun('verify-routing', [], cnEnv);
  assert.is(unnamed.exitCode, 1);
  assert.match(String(unnamed.stdout), 'went to open.bigmodel.cn; configured for that lane: api.z.ai');
  assert.match(String(unnamed.stdout), 'went to gateway.example:8443; configured for that lane: api.anthropic.com');
  assert.is(
    (await npmRun('verify-routing', ['--zai-host', 'open.bigmodel.cn'], cnEnv)).exitCode,
    1,
    'the anthropic host is still wrong',
  );
  const named = await npmRun(
    'verify-routing',
    ['--zai-host', 'open.bigmodel.cn', '--anthropic-host', 'gateway.example:8443'],
    cnEnv,
  );
  assert.is(named.exitCode, 0, String(named.stdout));
});

test('A/B reports: exact medians per arm, a verdict, and "not enough data" below the minimum', async () => {
  const lines: string[] = [];
  for (let i = 0; i < MIN_PER_ARM; i++) {
    lines.push(
      pair({
        ts: T + i,
        lane: 'zai',
        model: 'claude-haiku-4-5',
        h2: false,
        header_mode: 'x-api-key',
        latency_ms: 100 + i,
        ttft_ms: 10,
      }),
    );
    lines.push(
      pair({
        ts: T + i,
        lane: 'zai',
        model: 'claude-haiku-4-5',
        h2: true,
        header_mode: 'authorization',
        latency_ms: 200 + i,
        ttft_ms: 20,
        ...(i === 0 ? { retry: true } : {}),
        ...(i === 1 ? { status: 401, err_type: '401' } : {}),
      }),
    );
  }
  lines.push(pair({ ts: T, lane: 'anthropic', model: 'claude-sonnet-4-5', decision: 'pass_through', latency_ms: 5 }));
  const m = await summarizeLog(write('ab.jsonl', lines));
  const h = h1h2Report(m);
  // h1 latencies 100..119: nearest-rank p50 is the 10th (109), p95 the 19th (118); h2 likewise 209 and 218.
  assert.match(h, '| h1 | 20 | 0.0% | 109 | 118 | 10 | 10 |');
  assert.match(h, '| h2 | 20 | 5.0% | 209 | 218 | 20 | 20 |');
  assert.match(
    h,
    'Verdict: h1 p50 latency is 100 ms (48%) lower than h2; error rate 0.0% vs 5.0%; prefer h1 (MITM_FORCE_H1=1 forces h1)',
  );
  assert.match(h, 'Verdict: not enough data: h1 n=1, h2 n=0 (need at least 20 in each arm)');
  // With no h2 request at all the report says why there is nothing to compare (Claude Code speaks HTTP/1.1).
  assert.match(
    h,
    'no HTTP/2 request at all: Claude Code 2.1.332 speaks HTTP/1.1 to the proxy whatever MITM_FORCE_H1 says',
  );
  const z = headerModeReport(m);
  assert.match(z, '| authorization | 20 | 5.0% | 209 | 218 | 20 | 20 | 1 | 1 |');
  assert.match(z, 'prefer x-api-key (set ZAI_HEADER_MODE=x-api-key)');
  const few = headerModeReport(await summarizeLog(write('few.jsonl', lines.slice(0, 6))));
  assert.match(few, 'Verdict: not enough data: x-api-key n=3, authorization n=3');
});

test('npm run report writes both files from the log', async () => {
  const logs = join(dir, 'reportlogs');
  const { mkdirSync, readFileSync } = await import('node:fs');
  mkdirSync(logs);
  writeFileSync(
    usageLogPath(logs),
    `${pair({ ts: T, lane: 'zai', model: 'claude-haiku-4-5', header_mode: 'x-api-key', latency_ms: 10 })}\n`,
  );
  const env = { CCP_LOGS_DIR: logs, CCP_RESULTS_DIR: join(dir, 'reportresults') };
  const r = await npmRun('report', [], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  assert.match(readFileSync(join(dir, 'reportresults', 'H1H2-AB.md'), 'utf8'), 'not enough data');
  assert.match(readFileSync(join(dir, 'reportresults', 'ZAI-Header-AB.md'), 'utf8'), '| x-api-key | 1 |');
  assert.is((await npmRun('report', [], { ...env, CCP_LOGS_DIR: join(dir, 'nothing-here') })).exitCode, 2);
});

test.run();

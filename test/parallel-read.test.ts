// The readers on several threads give what one pass in order gives: every figure of summarize, the
// verdict (judged by the run line in force, across the cuts) and the report's distributions, over a
// log with rotated files, run lines that change the hosts midway, old-kit and torn lines, and requests
// whose decision and completion fall on either side of a cut.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeSyntheticLog } from '../proxy/rig/bench/synthetic-log.js';
import { DEFAULT_EXPECT, reportData, summarizeLog, verifyLog } from '../proxy/read/reports.js';
import { parseExpect } from '../proxy/read/verify.js';

const dir = mkdtempSync(join(tmpdir(), 'ccp-parallel-'));
const log = join(dir, 'usage.jsonl');
const expect = parseExpect(DEFAULT_EXPECT);

function runLine(ts: number, zaiHost: string, offload = 'haiku'): string {
  return `${JSON.stringify({
    v: 1,
    event: 'run',
    ts,
    pid: 4242,
    port: 8082,
    started_at: new Date(ts * 1000).toISOString(),
    zai_base_url: `https://${zaiHost}/api/anthropic`,
    zai_host: zaiHost,
    anth_base_url: 'https://api.anthropic.com/',
    anth_host: 'api.anthropic.com',
    offload,
  })}\n`;
}

test.before(() => {
  // An older rotated file: a run line, then requests.
  writeFileSync(`${log}.1`, runLine(1_794_999_000, 'api.z.ai'));
  writeSyntheticLog(join(dir, 'part-a'), 20_000);
  appendFileSync(`${log}.1`, readFileSync(join(dir, 'part-a')));
  // The current file: a run line that names another Z.AI host (so every Z.AI line after it is judged
  // misrouted), the synthetic lines, a torn line, an old-kit line, then the original host again.
  writeFileSync(log, runLine(1_795_000_000, 'other.example'));
  writeSyntheticLog(join(dir, 'part-b'), 30_000);
  const b = readFileSync(join(dir, 'part-b'), 'utf8').split('\n');
  appendFileSync(log, `${b.slice(0, 20_000).join('\n')}\n`);
  appendFileSync(log, '{"v":1,"event":"complete","ts":17950\n');
  appendFileSync(
    log,
    `${JSON.stringify({ ts: 1_795_100_000, rid: 'old1', lane: 'zai', model: 'claude-haiku-4-5', status: 200, latency_ms: 900, upstream: 'zai' })}\n`,
  );
  appendFileSync(log, runLine(1_795_100_001, 'api.z.ai', 'haiku,subagents'));
  appendFileSync(log, b.slice(20_000).join('\n'));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function readAll(threads: number) {
  const [metrics, verdict, report] = await Promise.all([
    summarizeLog(log, { threads }),
    verifyLog(log, expect, { now: 1_795_200_000, threads }),
    reportData(log, expect, { threads }),
  ]);
  return {
    metrics: { ...metrics, generated_at: '' },
    verdict,
    report: {
      metrics: { ...report.metrics, generated_at: '' },
      verdict: report.verdict.checks.map((c) => [c.name, c.pass, c.detail]),
      series: report.collector.series(),
      latency: [...report.collector.latency],
      ttft: [...report.collector.ttft],
    },
  };
}

test('2, 3 and 7 threads give exactly what one pass gives', async () => {
  const one = await readAll(1);
  for (const threads of [2, 3, 7]) {
    const many = await readAll(threads);
    assert.equal(many.metrics, one.metrics, `${threads} threads: summarize`);
    assert.equal(many.verdict, one.verdict, `${threads} threads: verdict`);
    assert.equal(many.report, one.report, `${threads} threads: report`);
  }
});

test('and that is the log’s own content: counts and the run-line judgement checked from the lines themselves', async () => {
  const lines = [readFileSync(`${log}.1`, 'utf8'), readFileSync(log, 'utf8')].join('\n').split('\n');
  let completions = 0;
  let zaiUnderOtherHost = 0;
  let host = '';
  let malformed = 0;
  for (const l of lines) {
    if (!l.trim()) continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(l);
    } catch {
      malformed++;
      continue;
    }
    if (r.event === 'run') host = String(r.zai_host);
    const completion = r.event === 'complete' || (r.event === undefined && typeof r.status === 'number');
    if (completion) completions++;
    if (r.event === 'complete' && r.lane === 'zai' && host === 'other.example') zaiUnderOtherHost++;
  }
  for (const threads of [1, 3]) {
    const { metrics, verdict } = await readAll(threads);
    assert.is(metrics.totals.requests, completions, `${threads}: completions`);
    assert.is(verdict.completions, completions);
    assert.is(metrics.source.malformed, malformed);
    const wrong = verdict.checks.find((c) => c.name === 'every request reached the host configured for its lane');
    assert.ok(wrong, verdict.checks.map((c) => c.name).join('\n'));
    assert.ok(zaiUnderOtherHost > 0);
    assert.match(
      wrong!.detail,
      new RegExp(
        `^${zaiUnderOtherHost} request\\(s\\) went elsewhere: ${zaiUnderOtherHost} zai-lane request\\(s\\) went to api\\.z\\.ai; configured for that lane: other\\.example$`,
      ),
      `${threads}: ${wrong!.detail}`,
    );
  }
});

test.run();

// A real Prometheus (Debian's `prometheus`, brought by npm test's preflight) scrapes a running proxy
// that served traffic; its PromQL answers for requests, cost and saving per lane must equal what was
// sent, priced by hand. The queries of docs/OBSERVABILITY.md must all be valid PromQL.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { REPO_ROOT } from '../proxy/common/config.js';
import { freePort } from '../proxy/rig/proxy-process.js';
import { startRig } from '../proxy/rig/rig.js';
import { eventually, message, postMessages, proxyAgent, within } from './helpers.js';

interface PromResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function query(promPort: number, promql: string): Promise<PromResult> {
  const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return (await r.json()) as PromResult;
}

function byLane(r: PromResult): Record<string, number> {
  return Object.fromEntries((r.data?.result ?? []).map((s) => [s.metric.lane ?? '', Number(s.value[1])]));
}

/** The PromQL of docs/OBSERVABILITY.md's "Five queries" (each in a ```promql block). */
function documentedQueries(): string[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'OBSERVABILITY.md'), 'utf8');
  return [...doc.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
}

test('Prometheus scrapes /__ccp/metrics: requests, cost and saving per lane as sent and priced by hand', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccp-prom-'));
  const rig = await startRig();
  const agent = proxyAgent(rig);
  const promPort = await freePort();
  let prom: ReturnType<typeof execa> | undefined;
  try {
    for (let i = 0; i < 3; i++)
      assert.match(
        (await within(10_000, postMessages(agent, message('claude-haiku-4-5-20251001', false)))).text,
        'ok from zai-fake',
      );
    for (let i = 0; i < 2; i++)
      assert.match(
        (await within(10_000, postMessages(agent, message('claude-sonnet-4-5-20250929', false)))).text,
        'ok from anthropic-fake',
      );

    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: ccp',
        '    metrics_path: /__ccp/metrics',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${rig.proxy.port}']`,
        '',
      ].join('\n'),
    );
    prom = execa(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      {
        timeout: 120_000,
        reject: false,
        stdin: 'ignore',
      },
    );

    let lanes: Record<string, number> = {};
    await eventually(
      () => {
        void query(promPort, 'sum by (lane) (ccp_requests_total)').then(
          (r) => (lanes = byLane(r)),
          () => undefined,
        );
        return lanes.zai === 3 && lanes.anthropic === 2;
      },
      30_000,
      'Prometheus to scrape the proxy',
    );
    assert.equal(lanes, { zai: 3, anthropic: 2 });

    // By hand (µ$ per request, the fakes' usage): Haiku on Z.AI as GLM-4.5-Air 42×0.20 + 17×1.10 + 11×0.03 = 27.43;
    // Sonnet 4.5 on Anthropic 42×3 + 17×15 + 5×3.75 + 11×0.30 = 403.05; the same Haiku tokens as Haiku 4.5: 128.1.
    const cost = byLane(await query(promPort, 'sum by (lane) (ccp_cost_usd_total)'));
    assert.ok(Math.abs(cost.zai! - 3 * 27.43e-6) < 1e-12, `zai cost ${cost.zai}`);
    assert.ok(Math.abs(cost.anthropic! - 2 * 403.05e-6) < 1e-12, `anthropic cost ${cost.anthropic}`);
    const saved = await query(promPort, 'sum(ccp_saved_usd_total)');
    assert.ok(
      Math.abs(Number(saved.data!.result[0]!.value[1]) - 3 * (128.1 - 27.43) * 1e-6) < 1e-12,
      JSON.stringify(saved.data),
    );
    const tokens = await query(promPort, 'sum by (lane, model, kind) (ccp_model_tokens_total{kind="output"})');
    assert.equal(
      Object.fromEntries(tokens.data!.result.map((s) => [`${s.metric.lane} ${s.metric.model}`, Number(s.value[1])])),
      { 'zai claude-haiku-4-5-20251001': 3 * 17, 'anthropic claude-sonnet-4-5-20250929': 2 * 17 },
    );
    const paused = await query(promPort, 'ccp_offload_paused');
    assert.is(paused.data!.result[0]!.value[1], '0');

    const queries = documentedQueries();
    assert.is(queries.length, 9, 'docs/OBSERVABILITY.md lists five queries and the four of the team view');
    for (const q of queries) {
      const r = await query(promPort, q);
      assert.is(r.status, 'success', `${q}: ${r.error}`);
    }
  } finally {
    await agent.close();
    if (prom?.pid) prom.kill('SIGTERM');
    await prom;
    await rig.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

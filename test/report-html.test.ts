// npm run report -- --html, rendered in Debian's headless Chromium: the charts carry the log's numbers
import { usageLogPath } from '../proxy/common/logs-layout.js';
// (the same as summarize's JSON) and the verify-routing verdict is at the top.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium } from 'playwright-core';
import { writeSyntheticLog } from '../proxy/rig/bench/synthetic-log.js';
import { REPO_ROOT } from '../proxy/common/config.js';
import type { Metrics } from '../proxy/read/summarize.js';
import { BROWSER_ARGS, browserPath, jsonLines, npmRun } from './helpers.js';

test('summary.html: verdict, totals and every chart agree with summarize --json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccp-html-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  writeSyntheticLog(usageLogPath(logs), 6000);
  const env = { CCP_LOGS_DIR: logs, CCP_RESULTS_DIR: join(dir, 'results') };
  const browser = await chromium.launch({ executablePath: browserPath(), args: BROWSER_ARGS });
  try {
    const rep = await npmRun('report', ['--html'], env);
    assert.is(rep.exitCode, 0, String(rep.stderr));
    const sum = await npmRun('summarize', ['--json'], env);
    const m = JSON.parse(String(sum.stdout)) as Metrics;
    const page = await browser.newPage({ viewport: { width: 1250, height: 900 } });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) external.push(r.url());
    });
    await page.goto(`file://${join(dir, 'results', 'summary.html')}`);
    const data = await page.evaluate(() => {
      const charts: Record<string, { label: string; value: number }[]> = {};
      for (const svg of document.querySelectorAll('svg[data-chart]')) {
        charts[svg.getAttribute('data-chart')!] = [...svg.querySelectorAll('g[data-label]')].map((g) => ({
          label: g.getAttribute('data-label')!,
          value: Number(g.getAttribute('data-value')),
        }));
      }
      const totals: Record<string, number> = {};
      for (const tr of document.querySelectorAll('#totals tr[data-lane]'))
        totals[tr.getAttribute('data-lane')!] = Number(tr.querySelector('[data-k="requests"]')!.textContent);
      // The x-axis as drawn: tick labels per chart, and how many overlap the next one (their rendered boxes).
      const axes: Record<string, { bars: number; ticks: number; overlapping: number }> = {};
      for (const svg of document.querySelectorAll('svg[data-chart]')) {
        const boxes = [...svg.querySelectorAll('text.tick')].map((t) => (t as SVGGraphicsElement).getBBox());
        let overlapping = 0;
        for (let i = 1; i < boxes.length; i++) if (boxes[i - 1]!.x + boxes[i - 1]!.width > boxes[i]!.x) overlapping++;
        axes[svg.getAttribute('data-chart')!] = {
          bars: svg.querySelectorAll('g[data-label]').length,
          ticks: boxes.length,
          overlapping,
        };
      }
      return {
        axes,
        charts,
        totals,
        verdict: document.getElementById('verdict')!.textContent!,
        offload: document.getElementById('offload')!.textContent,
      };
    });
    const sumOf = (id: string) => data.charts[id]!.reduce((a, b) => a + b.value, 0);
    assert.match(data.verdict, /^verify-routing: PASS/);
    assert.is(data.offload, `${(m.haiku.offload_share! * 100).toFixed(1)}%`);
    for (const [lane, l] of Object.entries(m.lanes)) {
      assert.is(data.totals[lane], l.requests, `totals ${lane}`);
      assert.is(sumOf(`latency-${lane}`), l.requests, `latency histogram of ${lane}`);
      // Only streamed answers have a first token: counted from the log's own lines.
      const withTtft = jsonLines(usageLogPath(logs)).filter(
        (r) => r.event === 'complete' && r.lane === lane && typeof r.ttft_ms === 'number',
      ).length;
      assert.is(sumOf(`ttft-${lane}`), withTtft, `ttft histogram of ${lane}`);
      assert.is(sumOf(`time-${lane}`), l.requests, `requests over time of ${lane}`);
      assert.equal(
        data.charts[`tokens-${lane}`]!.map((b) => b.value),
        [l.tokens.input, l.tokens.output, l.tokens.cache_read, l.tokens.cache_creation],
        `tokens of ${lane}`,
      );
    }
    assert.is(data.totals['all lanes'], m.totals.requests);
    // A handful of readable ticks on every chart, none drawn over the next; the time charts have many more bars.
    for (const [id, a] of Object.entries(data.axes)) {
      assert.ok(a.ticks >= 1 && a.ticks <= 8, `${id}: ${a.ticks} ticks for ${a.bars} bars`);
      assert.is(a.overlapping, 0, `${id}: ${a.overlapping} tick labels overlap`);
    }
    assert.ok(
      Object.entries(data.axes).some(([id, a]) => id.startsWith('time-') && a.bars > 8),
      'a time chart with more bars than ticks (the case the ticks are for)',
    );
    assert.is(sumOf('errors'), m.totals.errors);
    assert.is(sumOf('decisions'), m.totals.requests);
    assert.equal(external, [], 'the report loaded nothing from elsewhere');
    mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'results', 'summary.png'), fullPage: true });
    assert.ok(readFileSync(join(dir, 'results', 'summary.html'), 'utf8').length > 1000);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

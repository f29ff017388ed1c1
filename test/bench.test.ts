// npm run bench -- --quick as a smoke test: it completes and writes its files. Timings are never asserted
// here; the benchmark's figures are read in results/BENCH.md.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { npmRun } from './helpers.js';

test('npm run bench -- --quick completes and writes BENCH.md and BENCH.json with every scenario', async () => {
  const results = mkdtempSync(join(tmpdir(), 'ccp-bench-results-'));
  try {
    const r = await npmRun('bench', ['--quick'], { CCP_RESULTS_DIR: results }, { timeout: 240_000 });
    assert.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
    assert.match(String(r.stdout), 'Targets:');
    assert.ok(existsSync(join(results, 'BENCH.md')));
    const j = JSON.parse(readFileSync(join(results, 'BENCH.json'), 'utf8'));
    for (const k of [
      'machine',
      'startup',
      'footprint',
      'small',
      'streams',
      'burst',
      'slow_streams',
      'large_request',
      'fan_out',
      'readers',
    ])
      assert.ok(j[k], k);
    for (const m of ['direct', 'mitm', 'baseurl']) assert.ok(j.small[m].sequential_ms.n > 0, m);
    // Delivery is correctness: every event of every stream, concurrent and slow, arrived.
    assert.is(j.slow_streams.all_events_delivered, true);
    assert.is(j.slow_streams.streams_incomplete, 0);
    assert.is(j.streams.streams_with_lost_events, 0);
    assert.is(j.fan_out.client_errors, 0);
    assert.is(j.fan_out.offloaded.length, 1);
    // The burst through the proxy: every stream answered; the readers' figures beside the plain parse.
    assert.is(j.burst.ways.proxy.errors, 0);
    assert.ok(j.burst.ways.proxy.burst_ttfe_ms.n > 0);
    assert.ok(j.readers.json_parse_s > 0 && j.readers.summarize_ratio > 0);
    assert.ok(j.footprint.idle_rss_median_mb > 0);
    const md = readFileSync(join(results, 'BENCH.md'), 'utf8');
    for (const h of [
      '## Targets',
      '## Small non-streaming requests',
      'concurrent streams',
      'slow streams',
      '2 MB',
      'Subagent fan-out',
      'Readers over',
      'A burst of',
      'Footprint',
      'Start-up',
    ])
      assert.match(md, h);
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
});

test.run();

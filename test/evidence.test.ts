// npm run demo and npm run pilot as a user runs them, offline.
import { usageLogPath } from '../proxy/common/logs-layout.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { npmRun } from './helpers.js';

let dir: string;
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-evidence-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('npm run demo: every line PASS, summarize and verify-routing printed, exit 0', async () => {
  const r = await npmRun('demo', [], { CCP_LOGS_DIR: join(dir, 'logs') }, { timeout: 120_000 });
  assert.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
  const out = String(r.stdout);
  assert.not.match(out, /^FAIL/m);
  // 8 demo lines, then verify-routing's 9 checks and one per expected family.
  assert.is((out.match(/^PASS/gm) ?? []).length, 8 + 9 + 2, out);
  assert.match(out, 'haiku while paused → 200 "ok from anthropic-fake"');
  assert.match(out, 'haiku offloaded to zai: 66.7% (2 of 3 haiku requests)');
  assert.match(out, 'routing verified over 6 completion(s)');
  assert.ok(existsSync(usageLogPath(join(dir, 'logs', 'demo', 'logs'))));
});

test('npm run pilot: T1–T6 PASS with rids, results/TESTS.md written, exit 0', async () => {
  const results = join(dir, 'results');
  const r = await npmRun(
    'pilot',
    [],
    { CCP_LOGS_DIR: join(dir, 'logs'), CCP_RESULTS_DIR: results },
    { timeout: 120_000 },
  );
  assert.is(r.exitCode, 0, String(r.stdout) + String(r.stderr));
  const md = readFileSync(join(results, 'TESTS.md'), 'utf8');
  assert.match(md, 'Verdict: **PASS**');
  for (const t of ['T1', 'T2', 'T3', 'T4', 'T5', 'T6']) assert.match(md, new RegExp(`\\| ${t} [^|]+ \\| PASS \\|`), t);
  const rids = [...md.matchAll(/\| ([0-9a-f]{8}(?:, [0-9a-f]{8})*) \|$/gm)].flatMap((m) => m[1]!.split(', '));
  assert.ok(rids.length >= 7, `rids: ${rids.join(',')}`);
  const log = readFileSync(usageLogPath(join(dir, 'logs', 'pilot', 'logs')), 'utf8');
  for (const rid of rids) assert.match(log, `"rid":"${rid}"`);
});

test.run();

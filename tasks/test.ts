// npm test — runs every uvu suite in its own process (bounded), then prints `N passed, M failed`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { argv } from 'zx';
import { colors } from './lib.js';
import { execa } from 'execa';
import { REPO_ROOT } from '../proxy/common/config.js';

const FILE_TIMEOUT_MS = 10 * 60_000;
const only = argv._.map(String);
const files = readdirSync(join(REPO_ROOT, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
const failures: string[] = [];
for (const file of files) {
  console.log(colors.bold(`\n── ${file}`));
  const t0 = Date.now();
  // execa's timeout kills this child by its pid; nothing is matched by name.
  const run = await execa(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [file], {
    cwd: REPO_ROOT,
    reject: false,
    timeout: FILE_TIMEOUT_MS,
    all: true,
    env: { FORCE_COLOR: '0' },
    stdout: ['pipe', 'inherit'],
    stderr: ['pipe', 'inherit'],
  });
  const out = strip(run.all ?? '');
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed++;
    failures.push(`${file}: ${run.timedOut ? 'timed out' : `exited ${run.exitCode} without a uvu summary`}`);
    continue;
  }
  passed += ok;
  failed += total - ok;
  if (total !== ok || run.exitCode !== 0) failures.push(`${file}: ${total - ok} failed (exit ${run.exitCode})`);
  console.log(colors.gray(`   ${ok}/${total} in ${((Date.now() - t0) / 1000).toFixed(1)}s`));
}
if (failures.length) console.log(colors.red(`\nFailures:\n  ${failures.join('\n  ')}`));
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && files.length > 0 ? 0 : 1);

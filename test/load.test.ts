// The load tasks as a user runs them, short: each ends with its invariants checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { npmRun } from './helpers.js';

for (const [task, args] of [
  ['burst', ['--n', '100']],
  ['soak', ['--minutes', '0.15']],
  ['chaos', ['--seconds', '10']],
] as const) {
  test(`npm run ${task} ${args.join(' ')}: figures and every invariant PASS`, async () => {
    const r = await npmRun(task, [...args], {}, { timeout: 180_000 });
    const out = String(r.stdout);
    assert.is(r.exitCode, 0, out + String(r.stderr));
    assert.match(out, new RegExp(`mode=${task} .*requests=\\d+ ok=\\d+`));
    assert.is((out.match(/^PASS /gm) ?? []).length, task === 'burst' ? 5 : 4, out);
    assert.not.match(out, /^FAIL /m);
    if (task === 'chaos') assert.match(out, 'restarts=1');
    if (task === 'burst') assert.match(out, 'every stream of the burst completed: 100/100');
  });
}

test.run();

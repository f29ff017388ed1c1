// What a dead proxy left open, read from a log's tail (pure): only the last run's, only when its pid is
// gone, never twice, a line cut by the crash skipped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leftOpen } from '../proxy/serve/observe/left-open.js';

const run = (pid: number) => JSON.stringify({ v: 1, event: 'run', pid });
const line = (event: string, rid: string, attempt = 1) =>
  JSON.stringify({
    v: 1,
    event,
    rid,
    attempt,
    ts: 1,
    lane: 'anthropic',
    decision: 'pass_through',
    path: '/v1/messages',
  });

test('the last run’s open decisions are closed, naming its pid; a cut last line is skipped', () => {
  const tail = [
    run(11),
    line('decision', 'a'),
    run(22),
    line('decision', 'b'),
    line('decision', 'c'),
    line('complete', 'c'),
    '{"v":1,"event":"deci',
  ].join('\n');
  const closed = leftOpen(tail, 5000, () => false);
  assert.equal(
    closed.map((c) => [c.rid, c.event, c.err_type, c.final, c.ts]),
    [['b', 'complete', 'proxy_died', true, 5]],
  );
  assert.match(closed[0]!.error!, 'the proxy (pid 22) stopped');
});

test('nothing when the run’s process is alive, when all completed, or when there is no run line', () => {
  const tail = [run(22), line('decision', 'b')].join('\n');
  assert.equal(
    leftOpen(tail, 1, () => true),
    [],
  );
  assert.equal(
    leftOpen([run(22), line('decision', 'b'), line('complete', 'b')].join('\n'), 1, () => false),
    [],
  );
  assert.equal(
    leftOpen(line('decision', 'b'), 1, () => false),
    [],
  );
  // A retried attempt is its own decision: attempt 2 open, attempt 1 done.
  const retried = [run(7), line('decision', 'r', 1), line('complete', 'r', 1), line('decision', 'r', 2)].join('\n');
  assert.equal(
    leftOpen(retried, 1, () => false).map((c) => c.attempt),
    [2],
  );
});

test.run();

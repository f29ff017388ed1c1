// npm run bench — direct vs through the proxy, side by side in one run → results/BENCH.md + BENCH.json.
import { argv } from 'zx';
import { runBench, targetsOf } from '../proxy/rig/bench/run.js';
import { configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run bench [-- --quick]

Starts the fake upstreams and the real proxy (as its own process) on 127.0.0.1 and measures, direct
and through the proxy (MITM via HTTPS_PROXY, and base-URL mode) in interleaved rounds: small requests
(sequential and at concurrency 20: latency, req/s, proxy CPU per request), 100 concurrent streams
(per-event delivery delay, time to first event), a burst of 100 new connections while 100 streams run
(beside a plain nginx TLS hop and mitmproxy when installed: apt-get install nginx-light mitmproxy),
500 slow streams (peak RSS, all events delivered), a 2 MB request, the proxy's idle RSS after start,
summarize, verify-routing and report over a generated 1,000,000-line log against a plain JSON.parse
of the same file, and start-up time. Prints progress and each figure beside its target, writes
results/BENCH.md and results/BENCH.json (CCP_RESULTS_DIR).
--quick: reduced sizes, about a minute. The full run takes a few minutes.
Exit 1 when a stream lost an event (any run) or, in the full run, when a target was MISSED; 0 otherwise.`,
);
knownFlags(argv, ['quick'], 'bench');

const config = configOrExit();
const t0 = Date.now();
const { json } = await runBench({
  quick: Boolean(argv.quick),
  resultsDir: config.resultsDir,
  print: (s) => console.log(s),
});
console.log('\nTargets:');
const targets = targetsOf(json);
for (const t of targets) console.log(`  ${t.ok ? 'met   ' : 'MISSED'} ${t.name}: ${t.value} (target ${t.target})`);
console.log(`\nwrote ${config.resultsDir}/BENCH.md and BENCH.json in ${Math.round((Date.now() - t0) / 1000)} s`);
// A lost event is a failure in any run; a missed timing target fails the full run only (--quick's
// reduced sizes say nothing about timing).
const lost = targets.filter((t) => t.delivery && !t.ok);
const missed = targets.filter((t) => !t.delivery && !t.ok);
if (lost.length) console.error(`bench: FAILED: ${lost.map((t) => t.name).join('; ')}`);
else if (missed.length && !argv.quick) console.error(`bench: ${missed.length} target(s) MISSED`);
process.exit(lost.length || (missed.length && !argv.quick) ? 1 : 0);

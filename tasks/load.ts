// npm run soak | burst | chaos — bounded load against the built-in fakes, ending with invariant checks.
import { argv } from 'zx';
import { runLoad, type LoadMode } from '../proxy/rig/load.js';
import { helpRequested, knownFlags } from './lib.js';

const mode = (['soak', 'burst', 'chaos'] as const).find((m) => process.argv.includes(`--${m}`)) as LoadMode;
helpRequested(
  argv,
  `
Usage: npm run soak [-- --minutes 1] [--concurrency 8]
       npm run burst [-- --n 200]
       npm run chaos [-- --seconds 30] [--concurrency 6]

Runs the real proxy (as its own process) against the built-in fake upstreams on 127.0.0.1 and drives
a mix of Haiku and Sonnet/Opus requests (streams and JSON, API-key and OAuth credentials) through it.
soak: continuous for --minutes. burst: --n concurrent streams at once. chaos: faults on the fakes
(500, 429 with z.ai code 1302, 529, resets mid-stream) and one proxy restart half way.
Then checks: every attempt has one decision and one completion line; no stream corrupted (client
bytes equal the fake's by SHA-256); no credential crossed lanes; proxy memory back to baseline.
Prints figures and PASS/FAIL lines; exit 1 when an invariant breaks.`,
);
knownFlags(argv, ['soak', 'burst', 'chaos', 'minutes', 'seconds', 'n', 'concurrency'], mode ?? 'soak');

const num = (v: unknown, d: number) => (v === undefined ? d : Number(v));
const seconds = mode === 'soak' ? num(argv.minutes, 1) * 60 : num(argv.seconds, 30);
const concurrency = mode === 'burst' ? num(argv.n, 200) : num(argv.concurrency, mode === 'soak' ? 8 : 6);
if (!(seconds > 0) || !(concurrency >= 1)) {
  console.error('ccp: --minutes/--seconds must be positive and --n/--concurrency at least 1');
  process.exit(2);
}
const r = await runLoad({ mode, seconds, concurrency, print: (s) => console.log(s) });
console.log(r.ok ? `\n${mode}: all invariants hold` : `\n${mode}: INVARIANT BROKEN`);
process.exit(r.ok ? 0 : 1);

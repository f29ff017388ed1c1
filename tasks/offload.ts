// npm run offload -- --subagents on|off [--at N] — switch the subagent offload of the running proxy, live.
import { argv } from 'zx';
import { findRunning, setOffloadLive } from '../proxy/ops/control-client.js';
import { colors, configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run offload -- --subagents on|off    and/or    --at N

Switches what the running proxy sends to the Z.AI lane, effective on the next request, no restart:
with subagents on, every request of a Claude Code subagent's thread (x-claude-code-agent-id) goes to
Z.AI whatever model it asks for (mapped by ZAI_MODEL_MAP, e.g. sonnet=glm-4.7); account probes and
count_tokens never move, and the main conversation stays on Anthropic unless its own model is Haiku
(claude --model haiku: the Haiku rule). Haiku follows CCP_OFFLOAD / FORCE_HAIKU_TO_ZAI as before.
The switch is written to the usage log as a new run line (verify-routing judges by it); a restart goes
back to CCP_OFFLOAD. Exit 2 when no proxy runs or the flag is missing.

  --at N   subagents move only while the Anthropic subscription's busiest window (5h, 7d, … as its
           last answer reported them) is at or above N % (CCP_OFFLOAD_AT_PCT); below it they stay
           (decision below_threshold, the window and N named); 0 moves them always.`,
);
knownFlags(argv, ['subagents', 'at'], 'offload');

const want = argv.subagents === undefined ? undefined : String(argv.subagents).toLowerCase();
const at = argv.at === undefined ? undefined : Number(argv.at);
if ((want === undefined && at === undefined) || (want !== undefined && want !== 'on' && want !== 'off')) {
  console.error(colors.red('ccp: say what to do: npm run offload -- --subagents on   (or off; and/or --at N)'));
  process.exit(2);
}
if (at !== undefined && !(Number.isFinite(at) && at >= 0 && at <= 100)) {
  console.error(colors.red(`ccp: --at takes a percentage from 0 to 100, not "${argv.at}"`));
  process.exit(2);
}
const config = configOrExit();
const found = await findRunning(config.logsDir);
if (found.kind !== 'running') {
  console.error(
    colors.red('ccp: no running proxy to switch; for the next start set CCP_OFFLOAD=haiku,subagents (or haiku)'),
  );
  process.exit(2);
}
try {
  const now = await setOffloadLive(found.state, {
    ...(want !== undefined ? { subagents: want === 'on' } : {}),
    ...(at !== undefined ? { atPct: at } : {}),
  });
  const threshold = now.at_pct ? ` (subagents only while the subscription window is ≥ ${now.at_pct} %)` : '';
  console.log(`ccp: the running proxy (pid ${found.state.pid}) now offloads: ${now.offload || 'nothing'}${threshold}`);
} catch (e) {
  console.error(colors.red(`ccp: could not reach the running proxy: ${(e as Error).message}`));
  process.exit(1);
}

// npm run mitm — start the proxy in the foreground.
import { runProxyProcess } from '../proxy/run/lifecycle.js';
import { colors, configOrExit, exitOnBadPath, helpRequested } from './lib.js';

// No zx here (see tasks/lib.ts): the flags are read by hand.
const flags = new Set(process.argv.slice(2));
helpRequested(
  { help: flags.has('--help'), h: flags.has('-h') },
  `
Usage: npm run mitm

Starts the lane-splitting proxy on 127.0.0.1:$MITM_PORT (default 8082) in the foreground.
Settings come from the environment and .env (see .env.example; an empty variable counts as unset).
OFFLOAD_PAUSED given here (e.g. OFFLOAD_PAUSED=0 npm run mitm) wins over a remembered 'npm run pause'.
What moves to Z.AI: CCP_OFFLOAD=haiku (default) or haiku,subagents (every request of a Claude Code
subagent's thread; the main conversation stays on Anthropic unless its own model is Haiku, as with
claude --model haiku); live: npm run offload -- --subagents on|off.
Writes logs/mitm.pid, logs/mitm.state.json and env/sub-env.sh; logs every request to logs/usage.jsonl,
after a run line with the settings it runs with (the readers judge the run by it, from any shell).
A bad CCP_LOGS_DIR, CCP_CA_DIR or CCP_ENV_FILE is one line naming it, exit 2.
The dashboard is at http://127.0.0.1:$MITM_PORT/__ccp/ while it runs.
Stop with Ctrl-C or 'npm run stop'.`,
);

const stray = [...flags].filter((f) => f !== '--help' && f !== '-h');
if (stray.length) {
  console.error(
    colors.red(`ccp: npm run mitm takes no flags (${stray.join(' ')}); settings go in the environment or .env`),
  );
  process.exit(2);
}

await runProxyProcess(configOrExit(), colors, exitOnBadPath);

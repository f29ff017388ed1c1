// npm run status — is the proxy running, on which port, paused or not, what has it done.
import { argv } from 'zx';
import { findRunning } from '../proxy/ops/control-client.js';
import { formatStatus } from '../proxy/ops/status-format.js';
import { startCommandForShell } from '../proxy/common/start-command.js';
import { colors, configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run status [-- --json]

Reports the proxy named by logs/mitm.pid. Exit 0 when running, 3 when not running,
1 when the pid file names a live process that does not answer as this kit's proxy.`,
);
knownFlags(argv, ['json'], 'status');

const config = configOrExit();
const found = await findRunning(config.logsDir);
if (argv.json) {
  console.log(
    JSON.stringify(
      found.kind === 'running' ? { running: true, ...found.status } : { running: false, ...found },
      null,
      2,
    ),
  );
} else if (found.kind === 'running') {
  console.log(formatStatus(found.status, colors));
} else if (found.kind === 'unverified') {
  console.log(
    colors.yellow(`ccp: pid ${found.pid} from logs/mitm.pid is alive but not verified as the proxy: ${found.why}.`),
  );
} else {
  console.log(
    `ccp: not running${found.stalePid ? ` (stale pid file for pid ${found.stalePid})` : ''}. ` +
      `Start it with: ${startCommandForShell(process.env, config.port)}`,
  );
}
process.exit(found.kind === 'running' ? 0 : found.kind === 'not_running' ? 3 : 1);

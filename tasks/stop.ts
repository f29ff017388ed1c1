// npm run stop — stop the proxy named by logs/mitm.pid (never by process name).
import { argv, sleep } from 'zx';
import { findRunning } from '../proxy/ops/control-client.js';
import { clearRunState, isAlive } from '../proxy/ops/run-state.js';
import { colors, configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run stop [-- --force]

Stops the proxy whose pid is in logs/mitm.pid, after checking on its control endpoint that the pid
really is this kit's proxy. --force also stops a pid-file process that cannot be verified.`,
);
knownFlags(argv, ['force'], 'stop');

const config = configOrExit();
const found = await findRunning(config.logsDir);
let pid: number;
if (found.kind === 'not_running') {
  if (found.stalePid !== undefined) {
    clearRunState(config.logsDir, found.stalePid);
    console.log(`ccp: not running (removed a stale pid file for pid ${found.stalePid}).`);
  } else {
    console.log('ccp: not running (no logs/mitm.pid).');
  }
  process.exit(0);
} else if (found.kind === 'unverified') {
  if (!argv.force) {
    console.error(
      colors.red(
        `ccp: pid ${found.pid} from logs/mitm.pid is alive but is not verified as this kit's proxy: ${found.why}.`,
      ),
    );
    console.error(`Not touching it. If you are sure it is the proxy: npm run stop -- --force`);
    process.exit(1);
  }
  pid = found.pid;
} else {
  pid = found.state.pid;
}

process.kill(pid, 'SIGTERM');
for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
if (isAlive(pid)) {
  console.error(colors.red(`ccp: pid ${pid} did not exit within 10 s of SIGTERM; it is still running.`));
  process.exit(1);
}
clearRunState(config.logsDir, pid);
console.log(`ccp: stopped the proxy (pid ${pid}).`);

// npm run pause / npm run resume — flip the offload live, without a restart.
import { argv } from 'zx';
import { findRunning, setPausedLive } from '../proxy/ops/control-client.js';
import { writePauseFlag } from '../proxy/common/logs-layout.js';
import { colors, configOrExit, helpRequested, knownFlags } from './lib.js';

const paused = !process.argv.includes('--resume');
helpRequested(
  argv,
  `
Usage: npm run pause | npm run resume

pause: Haiku requests stay on the Anthropic lane (decision failover_paused) until resume.
Takes effect on the next request of the running proxy, and persists (logs/.offload-paused)
so a restarted proxy stays paused until 'npm run resume'.`,
);
knownFlags(argv, ['resume'], paused ? 'pause' : 'resume');

const config = configOrExit();
writePauseFlag(config.logsDir, paused);
const found = await findRunning(config.logsDir);
if (found.kind === 'running') {
  try {
    const now = await setPausedLive(found.state, paused);
    console.log(
      `ccp: offload ${now ? colors.yellow('paused') : colors.green('resumed')} on the running proxy (pid ${found.state.pid}, port ${found.state.port}).`,
    );
  } catch (e) {
    console.error(colors.red(`ccp: could not reach the running proxy: ${(e as Error).message}`));
    process.exit(1);
  }
} else {
  console.log(`ccp: offload ${paused ? 'paused' : 'resumed'} for the next start (no running proxy found).`);
}

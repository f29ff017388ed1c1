// npm run status — is the proxy running, on which port, paused or not, what has it done.
import { argv, chalk } from 'zx';
import { findRunning } from '../proxy/ops/control-client.js';
import { configOrExit, helpRequested } from './lib.js';

helpRequested(argv, `
Usage: npm run status [-- --json]

Reports the proxy named by logs/mitm.pid. Exit 0 when running, 3 when not running,
1 when the pid file names a live process that does not answer as this kit's proxy.`);

const config = configOrExit();
const found = await findRunning(config.logsDir);
if (argv.json) {
  console.log(JSON.stringify(found.kind === 'running' ? { running: true, ...found.status } : { running: false, ...found }, null, 2));
} else if (found.kind === 'running') {
  const s = found.status;
  const upS = Math.round((Date.now() - Date.parse(s.started_at)) / 1000);
  console.log(chalk.green(`ccp: running (pid ${s.pid}) on http://127.0.0.1:${s.port}, up ${upS}s`));
  console.log(`  offload      ${s.paused ? chalk.yellow('PAUSED (haiku stays on anthropic; npm run resume)') : 'on'}   FORCE_HAIKU_TO_ZAI=${s.force_haiku_to_zai ? 1 : 0}`);
  if (s.zai_cooldown_until) console.log(`  cooldown     ${chalk.yellow(`haiku on anthropic until ${s.zai_cooldown_until}`)} (${s.zai_cooldown_why})`);
  console.log(`  zai lane     ${s.zai_base_url}  key ${s.zai_key_set ? 'set' : 'NOT SET'}  header ${s.zai_header_mode}`);
  console.log(`  anthropic    ${s.anth_base_url}`);
  console.log(`  requests     zai ${s.requests.zai}, anthropic ${s.requests.anthropic}, errors ${s.requests.errors}`);
  console.log(`  CA SHA-256   ${s.ca_fingerprint}`);
  console.log(`  usage log    ${s.log_path}`);
  console.log(`  terminal     source env/sub-env.sh ${s.port}`);
} else if (found.kind === 'unverified') {
  console.log(chalk.yellow(`ccp: pid ${found.pid} from logs/mitm.pid is alive but not verified as the proxy: ${found.why}.`));
} else {
  console.log(`ccp: not running${found.stalePid ? ` (stale pid file for pid ${found.stalePid})` : ''}. Start it with: npm run mitm`);
}
process.exit(found.kind === 'running' ? 0 : found.kind === 'not_running' ? 3 : 1);

// npm run env — write env/sub-env.sh for this machine's CA and port.
import { argv } from 'zx';
import { caPaths } from '../proxy/common/ca-files.js';
import { writeSubEnv } from '../proxy/ops/sub-env.js';
import { envFileHint } from '../proxy/serve/banner.js';
import { configOrExit, helpRequested } from './lib.js';

helpRequested(argv, `
Usage: npm run env

Writes env/sub-env.sh (also done by every 'npm run mitm'). Then, in any bash or zsh terminal:
  source env/sub-env.sh [PORT]
sets HTTPS_PROXY, NODE_EXTRA_CA_CERTS and NO_PROXY, and unsets ANTHROPIC_BASE_URL and
ANTHROPIC_AUTH_TOKEN, so that claude started there goes through the proxy.`);

const config = configOrExit();
const path = writeSubEnv(config.envFile, { caCertPath: caPaths(config.caDir).certPath, defaultPort: config.port });
console.log(`ccp: wrote ${path}`);
console.log(`In the terminal that will run claude:  source ${envFileHint(path)} ${config.port}`);

// npm run env — write env/sub-env.sh for this machine's CA and port.
import { argv } from 'zx';
import { caPaths, certFingerprint } from '../proxy/common/ca-files.js';
import { writeSubEnv } from '../proxy/ops/sub-env.js';
import { envFileHint } from '../proxy/serve/banner.js';
import { configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run env

Writes env/sub-env.sh (also done by every 'npm run mitm'). Then, in any bash or zsh terminal:
  source env/sub-env.sh [PORT]
sets HTTPS_PROXY, NODE_EXTRA_CA_CERTS and NO_PROXY, and unsets ANTHROPIC_BASE_URL and
ANTHROPIC_AUTH_TOKEN, so that claude started there goes through the proxy. It then checks that this
kit's proxy answers on PORT (GET /__ccp/ping, same CA fingerprint) and returns 1 with the exact command
to start it when not. It also wraps claude in that shell: while the proxy is down, claude stops at
once (exit 69) with one line naming the fix instead of hanging; 'command claude' skips the check.`,
);
knownFlags(argv, [], 'env');

const config = configOrExit();
const { certPath } = caPaths(config.caDir);
const path = writeSubEnv(config.envFile, {
  caCertPath: certPath,
  defaultPort: config.port,
  caFingerprint: certFingerprint(certPath) ?? '',
});
console.log(`ccp: wrote ${path}`);
console.log(`In the terminal that will run claude:  source ${envFileHint(path)} ${config.port}`);

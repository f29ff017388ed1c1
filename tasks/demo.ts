// npm run demo — the whole kit offline: fake upstreams, the real proxy, real client traffic, evidence.
import { join } from 'node:path';
import { argv } from 'zx';
import { runDemo } from '../proxy/rig/demo.js';
import { configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run demo

Offline end to end: starts fake Anthropic and Z.AI upstreams on 127.0.0.1, the real proxy on a free
port (its own CA and log under logs/demo/), sends Haiku, Sonnet and Opus requests (streaming and not)
from a client process that only has HTTPS_PROXY and NODE_EXTRA_CA_CERTS, pauses offload live for one
request, then prints what each fake received, summarize and verify-routing. Exit 1 if any check fails.
It never touches a running 'npm run mitm' proxy, its CA or its log.`,
);
knownFlags(argv, [], 'demo');

const config = configOrExit();
const result = await runDemo({
  dir: join(config.logsDir, 'demo'),
  resultsDir: join(config.logsDir, 'demo', 'results'),
  print: (s) => console.log(s),
});
process.exit(result.ok ? 0 : 1);

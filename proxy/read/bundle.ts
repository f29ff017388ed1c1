// The review bundle: logs, results, docs, STATE.json and MANIFEST.json, every text file redacted, the
// finished bundle scanned by a detector written separately from the redactor, then packed into a 0600
// .tgz with `tar`.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import * as tar from 'tar';
import { caPaths, certFingerprint } from '../common/ca-files.js';
import { REPO_ROOT, type Config } from '../common/config.js';
import type { ProxyStatus } from '../common/proxy-status.js';
import { bodyTeePath, logFiles, usageLogPath } from '../common/logs-layout.js';
import { redact } from './redact.js';
import { lastRunRecord } from './log-reader.js';
import type { RunSettings } from '../common/log-schema.js';
import { fromRunLine, fromShell, type SettingsInForce } from '../common/run-settings.js';
import { scanForSecrets } from './secret-scan.js';
import { ensureDir } from '../common/dirs.js';

export interface BundleOptions {
  /** What the task learned about the running proxy, for STATE.json. */
  proxy: ProxyFacts;
  /** The settings STATE.json reports (settingsInForce), when the task already has them. */
  inForce?: SettingsInForce;
  /** Parent directory of the bundle; BUNDLE_DIR by default. */
  outDir?: string;
  withBodies?: boolean;
  /** Test-only: copy files without redaction, to prove the final scan does not depend on the redactor. */
  skipRedactionForTests?: boolean;
  now?: Date;
}

export interface BundleResult {
  dir: string;
  tgz: string;
  files: string[];
  redactedFiles: string[];
}

export class BundleSecretError extends Error {
  constructor(
    readonly file: string,
    readonly what: string,
  ) {
    super(
      `secret found in ${file} (${what}); the bundle was deleted. Nothing of it was printed; look at that line in the source file`,
    );
    this.name = 'BundleSecretError';
  }
}

/** Files a bundle never carries, wherever they are. */
function neverInclude(name: string): boolean {
  return (
    name === '.env' ||
    name.endsWith('-key.pem') ||
    name.endsWith('.key') ||
    name === 'mitm.state.json' ||
    name.startsWith('.env.')
  );
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (entry.isFile() && !neverInclude(entry.name)) out.push(p);
  }
  return out;
}

function isText(buf: Buffer): boolean {
  return !buf.subarray(0, 8192).includes(0);
}

export function bundleName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `agentos_tmp_review-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

async function quiet(cmd: string, args: string[], cwd = REPO_ROOT): Promise<string | undefined> {
  const r = await execa(cmd, args, { cwd, reject: false, timeout: 15_000, stdin: 'ignore' }).catch(() => undefined);
  return r && r.exitCode === 0 ? String(r.stdout).trim() : undefined;
}

function packageVersion(path: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** What the task learned about the running proxy (readers never ask the proxy themselves). */
export interface ProxyFacts {
  /** Its /__ccp/status answer, when one is running and verified. */
  status?: ProxyStatus;
  /** A pid-file process that did not answer as the proxy. */
  unverifiedPid?: number;
}

/**
 * The settings the evidence is about: the running proxy's, else the newest run line in the log (what
 * the proxy that wrote it ran with, even if it was started with inline settings), and only without
 * either the bundling shell's — with the source said.
 */
export async function settingsInForce(config: Config, proxy: ProxyFacts): Promise<SettingsInForce> {
  const live = proxy.status;
  if (live?.run)
    return {
      settings: {
        ...live.run,
        paused: live.paused,
        zai_header_mode: live.zai_header_mode as RunSettings['zai_header_mode'],
      },
      source: `the running proxy (pid ${live.pid})`,
    };
  const run = await lastRunRecord(usageLogPath(config.logsDir));
  if (run) return fromRunLine(run);
  return fromShell(
    config,
    live ? 'the running proxy predates run lines' : 'no proxy running and no run line in the log',
  );
}

/** STATE.json: what was in force, which versions, which commit, whether the proxy runs. No secrets. */
export async function collectState(
  config: Config,
  proxy: ProxyFacts,
  inForce?: SettingsInForce,
): Promise<Record<string, unknown>> {
  const live = proxy.status;
  const dirty = await quiet('git', ['status', '--porcelain']);
  const { settings: r, source } = inForce ?? (await settingsInForce(config, proxy));
  return {
    generated_at: new Date().toISOString(),
    toggles: {
      source,
      CCP_OFFLOAD: r.offload,
      FORCE_HAIKU_TO_ZAI: r.force_haiku_to_zai,
      OFFLOAD_PAUSED: r.paused,
      ZAI_HEADER_MODE: r.zai_header_mode,
      MITM_FORCE_H1: r.force_h1,
      MITM_FILTER_CHAIN: r.filter_chain,
      ENABLE_BODY_TEE: r.body_tee,
      ZAI_MODEL_MAP: r.zai_model_map,
      zai_key_set: r.zai_key_set,
      ZAI_BASE_URL: r.zai_base_url,
      ANTH_BASE_URL: r.anth_base_url,
      CCP_FALLBACK: r.fallback,
      ZAI_BILLING: r.zai_billing,
      CCP_ZAI_MAX_INFLIGHT: r.zai_max_inflight,
    },
    versions: {
      node: process.version,
      npm: await quiet('npm', ['--version']),
      kit: packageVersion(join(REPO_ROOT, 'package.json')),
      mockttp: packageVersion(join(REPO_ROOT, 'node_modules', 'mockttp', 'package.json')),
      claude: (await quiet('claude', ['--version'])) ?? 'not installed',
    },
    git: {
      commit: await quiet('git', ['rev-parse', 'HEAD']),
      dirty: dirty === undefined ? undefined : dirty.length > 0,
    },
    proxy: live
      ? { running: true, pid: live.pid, port: live.port, started_at: live.started_at }
      : {
          running: false,
          ...(proxy.unverifiedPid !== undefined ? { unverified_pid: proxy.unverifiedPid } : {}),
          configured_port: config.port,
        },
    ca_fingerprint: certFingerprint(caPaths(config.caDir).certPath) ?? 'no CA yet',
  };
}

export async function buildBundle(config: Config, opts: BundleOptions): Promise<BundleResult> {
  const now = opts.now ?? new Date();
  const parent = opts.outDir ?? config.bundleDir;
  const dir = join(parent, bundleName(now));
  const tgz = `${dir}.tgz`;
  const secrets = config.knownSecrets;
  ensureDir(parent);
  ensureDir(dir, 0o700);

  const sources: { from: string; to: string }[] = [];
  for (const f of logFiles(usageLogPath(config.logsDir), true))
    sources.push({ from: f, to: join('logs', basename(f)) });
  if (opts.withBodies && existsSync(bodyTeePath(config.logsDir)))
    sources.push({ from: bodyTeePath(config.logsDir), to: join('logs', 'body-samples.jsonl') });
  for (const f of walk(config.resultsDir))
    sources.push({ from: f, to: join('results', relative(config.resultsDir, f)) });
  for (const f of walk(join(REPO_ROOT, 'docs')))
    sources.push({ from: f, to: join('docs', relative(join(REPO_ROOT, 'docs'), f)) });

  const redactedFiles: string[] = [];
  try {
    for (const { from, to } of sources) {
      const dest = join(dir, to);
      ensureDir(dirname(dest));
      const buf = readFileSync(from);
      if (isText(buf) && !opts.skipRedactionForTests) {
        const text = buf.toString('utf8');
        const clean = redact(text, secrets);
        if (clean !== text) redactedFiles.push(to);
        writeFileSync(dest, clean, { mode: 0o600 });
      } else {
        copyFileSync(from, dest);
        chmodSync(dest, 0o600);
      }
    }
    writeFileSync(
      join(dir, 'STATE.json'),
      `${JSON.stringify(await collectState(config, opts.proxy, opts.inForce), null, 2)}\n`,
      { mode: 0o600 },
    );

    // The final scan reads what is really in the bundle, independent of what the redactor did.
    const files = walk(dir)
      .map((f) => relative(dir, f))
      .sort();
    for (const f of files) {
      const [first] = scanForSecrets(readFileSync(join(dir, f)).toString('latin1'), secrets);
      if (first) throw new BundleSecretError(`${f}:${first.line}`, first.what);
    }
    const manifest = files.map((f) => {
      const buf = readFileSync(join(dir, f));
      return { path: f, bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
    });
    writeFileSync(
      join(dir, 'MANIFEST.json'),
      `${JSON.stringify({ generated_at: now.toISOString(), files: manifest }, null, 2)}\n`,
      { mode: 0o600 },
    );

    await tar.c({ gzip: true, file: tgz, cwd: parent, portable: true }, [basename(dir)]);
    chmodSync(tgz, 0o600);
    return { dir, tgz, files: [...files, 'MANIFEST.json'].sort(), redactedFiles };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(tgz, { force: true });
    throw e;
  }
}

// Renders env/sub-env.sh from its template: the CA path and default port are baked in.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureDir } from '../common/dirs.js';
import { REPO_ROOT } from '../common/config.js';
import { plainStartPort } from '../common/start-command.js';

const TEMPLATE_PATH = join(REPO_ROOT, 'env', 'sub-env.template.sh');

/** Single-quote for POSIX shells: safe for any path, spaces and quotes included. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface SubEnvOptions {
  caCertPath: string;
  /** The port `source env/sub-env.sh` uses without an argument (the proxy's port when mitm writes it). */
  defaultPort: number;
  /** The port a plain `npm run mitm` in the kit starts on (MITM_PORT from .env, else 8082): the fix adds MITM_PORT only for others. */
  startPort?: number;
  /** The CA's SHA-256 fingerprint: the sourced script accepts only a proxy that names this one. */
  caFingerprint: string;
  /** Where `npm run mitm` is run from, for the fix it prints. */
  kitDir?: string;
}

export function renderSubEnv(template: string, opts: SubEnvOptions): string {
  return template
    .replaceAll('__CCP_DEFAULT_PORT__', String(opts.defaultPort))
    .replaceAll('__CCP_START_PORT__', String(opts.startPort ?? plainStartPort()))
    .replaceAll('__CCP_CA_CERT__', shellQuote(opts.caCertPath))
    .replaceAll('__CCP_CA_SHA256__', shellQuote(opts.caFingerprint))
    .replaceAll('__CCP_KIT_DIR__', shellQuote((opts.kitDir ?? REPO_ROOT).replace(/\/+$/, '')));
}

export function writeSubEnv(path: string, opts: SubEnvOptions): string {
  ensureDir(dirname(path));
  writeFileSync(path, renderSubEnv(readFileSync(TEMPLATE_PATH, 'utf8'), opts));
  chmodSync(path, 0o644);
  return path;
}

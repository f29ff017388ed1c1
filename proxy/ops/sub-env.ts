// Renders env/sub-env.sh from its template: the CA path and default port are baked in.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../common/config.js';

const TEMPLATE_PATH = join(REPO_ROOT, 'env', 'sub-env.template.sh');

/** Single-quote for POSIX shells: safe for any path, spaces and quotes included. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function renderSubEnv(template: string, opts: { caCertPath: string; defaultPort: number }): string {
  return template
    .replaceAll('__CCP_DEFAULT_PORT__', String(opts.defaultPort))
    .replaceAll('__CCP_CA_CERT__', shellQuote(opts.caCertPath));
}

export function writeSubEnv(path: string, opts: { caCertPath: string; defaultPort: number }): string {
  writeFileSync(path, renderSubEnv(readFileSync(TEMPLATE_PATH, 'utf8'), opts));
  chmodSync(path, 0o644);
  return path;
}

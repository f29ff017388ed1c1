// The exact commands that start the proxy and give it a Z.AI key, said the same way by the banner,
// doctor and the sourced env script (which spells the same rule in shell). Pure but for reading `.env`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { readDotEnv, REPO_ROOT, SETTINGS } from './config.js';

/** The port a plain `npm run mitm` starts on: MITM_PORT from .env (not from any shell), else the default. */
export function plainStartPort(root = REPO_ROOT): number {
  const fromFile = Number(readDotEnv(root).MITM_PORT?.trim());
  return Number.isInteger(fromFile) && fromFile > 0 ? fromFile : Number(SETTINGS.MITM_PORT);
}

/**
 * The port of a local proxy URL as a shell's HTTPS_PROXY names it (`http://127.0.0.1:8082`, or with the
 * https scheme, which Claude Code also uses: TLS to the proxy itself); undefined for anything else.
 */
export function localProxyPort(value: string | undefined): number | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value);
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) || !['http:', 'https:'].includes(u.protocol)) return undefined;
    return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  } catch {
    return undefined;
  }
}

/** The command that starts the proxy where this shell looks for it: the port its HTTPS_PROXY names, else the configured one. */
export function startCommandForShell(env: Record<string, string | undefined>, configuredPort: number): string {
  return startCommand(localProxyPort(env.HTTPS_PROXY ?? env.https_proxy) ?? configuredPort);
}

/** `npm run mitm`, with MITM_PORT when the port is not the one a plain start would use (env/sub-env.sh spells the same rule in shell). */
export function startCommand(port: number, plainPort = plainStartPort()): string {
  return port === plainPort ? 'npm run mitm' : `MITM_PORT=${port} npm run mitm`;
}

/** What to do about a missing Z.AI key, given where the kit looked: the shell and `.env` (an empty value counts as unset). */
export function zaiKeyFix(root = REPO_ROOT): string {
  const file = join(root, '.env');
  if (!existsSync(file)) return `cp .env.example .env, set ZAI_API_KEY=… there`;
  let inFile: string | undefined;
  try {
    inFile = dotenv.parse(readFileSync(file)).ZAI_API_KEY;
  } catch {
    return `make ${file} readable and set ZAI_API_KEY=… there`;
  }
  return inFile === undefined
    ? `add ZAI_API_KEY=… to ${file}`
    : `ZAI_API_KEY is empty in ${file} and in this shell: set it there`;
}

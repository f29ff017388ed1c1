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

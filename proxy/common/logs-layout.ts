// The logs directory's layout, in one place: the running proxy writes these files and the readers,
// tasks and tests find them here. Paths only, plus the pause flag, which the pause task writes too.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensureDir } from './dirs.js';

/** The usage log (docs/METRICS-SCHEMA.md); rotated copies sit beside it as usage.jsonl.1 (newest) … .N. */
export function usageLogPath(logsDir: string): string {
  return join(logsDir, 'usage.jsonl');
}

/** The n-th rotated copy of a log file (1 is the newest). */
export function rotatedLogPath(path: string, n: number): string {
  return `${path}.${n}`;
}

/** A log file plus its rotated siblings (path.1 … path.N), oldest first. */
export function logFiles(path: string, includeRotated: boolean): string[] {
  if (!includeRotated) return existsSync(path) ? [path] : [];
  const dir = dirname(path);
  const base = basename(path);
  const rotated = existsSync(dir)
    ? readdirSync(dir)
        .map((f) => ({ f, n: f.startsWith(`${base}.`) ? Number(f.slice(base.length + 1)) : NaN }))
        .filter((x) => Number.isInteger(x.n) && x.n > 0)
        .sort((a, b) => b.n - a.n)
        .map((x) => join(dir, x.f))
    : [];
  return [...rotated, ...(existsSync(path) ? [path] : [])];
}

/** While this file exists, Haiku offload is paused, across restarts (npm run pause / resume). */
export function pauseFlagPath(logsDir: string): string {
  return join(logsDir, '.offload-paused');
}

/** While this file exists (and ENABLE_BODY_TEE=1), request bodies are copied to bodyTeePath. */
export function teeFlagPath(logsDir: string): string {
  return join(logsDir, '.tee-on');
}

/** Raw request bodies from the body tee (0600; never bundled unless asked). */
export function bodyTeePath(logsDir: string): string {
  return join(logsDir, 'body-samples.jsonl');
}

/** The running proxy's pid, for stop and status. */
export function pidFilePath(logsDir: string): string {
  return join(logsDir, 'mitm.pid');
}

/** The running proxy's port, control token and CA (0600). */
export function stateFilePath(logsDir: string): string {
  return join(logsDir, 'mitm.state.json');
}

export function pauseFlagSet(logsDir: string): boolean {
  return existsSync(pauseFlagPath(logsDir));
}

/** Persist the pause choice for the next start (the running proxy is told through its control endpoint). */
export function writePauseFlag(logsDir: string, paused: boolean): void {
  const flag = pauseFlagPath(logsDir);
  if (paused) {
    ensureDir(dirname(flag));
    writeFileSync(flag, `${new Date().toISOString()}\n`);
  } else {
    rmSync(flag, { force: true });
  }
}

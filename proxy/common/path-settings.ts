// Which setting or flag a path came from, so an unusable path is reported as one line that says what to
// change ("… (BUNDLE_DIR, or --out DIR)"), never as a Node stack trace. Pure.
import { resolve, sep } from 'node:path';
import type { Config } from './config.js';
import { PathError } from './dirs.js';

const WHY: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'is below a file, not a directory',
  EISDIR: 'is a directory, not a file',
  EACCES: 'is not accessible (no permission)',
  EPERM: 'is not accessible (operation not permitted)',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'is on a full disk',
  EEXIST: 'already exists',
  ELOOP: 'has a symbolic-link loop',
  ENAMETOOLONG: 'is too long a name',
  EMFILE: 'cannot be opened (too many open files)',
};

/** The settings whose value is a path, from a loaded configuration. */
export function configPaths(config: Config): { path: string; setting: string }[] {
  return [
    { path: config.bundleDir, setting: 'BUNDLE_DIR (or --out DIR)' },
    { path: config.logsDir, setting: 'CCP_LOGS_DIR' },
    { path: config.resultsDir, setting: 'CCP_RESULTS_DIR' },
    { path: config.caDir, setting: 'CCP_CA_DIR' },
    { path: config.envFile, setting: 'CCP_ENV_FILE' },
  ];
}

function within(path: string, root: string): boolean {
  const p = resolve(path);
  const r = resolve(root);
  return p === r || p.startsWith(r.endsWith(sep) ? r : r + sep);
}

/** The one line for an unusable path, or undefined when `err` is not about a path (a bug: keep its stack). */
export function badPathLine(
  err: unknown,
  config: Config | undefined,
  flagPaths: { path: string; setting: string }[] = [],
): string | undefined {
  let path: string | undefined;
  let problem: string;
  if (err instanceof PathError) {
    path = err.path;
    problem = err.problem;
  } else {
    const e = err as NodeJS.ErrnoException | undefined;
    if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !(e.code in WHY)) return undefined;
    path = typeof e.path === 'string' ? e.path : undefined;
    problem = WHY[e.code]!;
    if (!path) return `${e.syscall ?? 'a file operation'} failed: ${problem} (${e.code})`;
  }
  // Flags first: they were given for this run, and may point inside a configured directory.
  // The path may be the setting's own, below it, or a parent that stands in the way of creating it.
  const from = [...flagPaths, ...(config ? configPaths(config) : [])].find(
    (c) => within(path!, c.path) || within(c.path, path!),
  );
  return `${path} ${problem}${from ? ` (that path comes from ${from.setting}: change it or fix the path)` : ''}`;
}

// Directories the kit creates from user settings (CCP_LOGS_DIR, BUNDLE_DIR, --out …), made safely:
// Node's own recursive mkdir spins forever under /proc (mkdirSync('/proc/x/y', {recursive:true}) never
// returns, and a sync loop ignores SIGTERM), so each missing level is made by hand, a bounded number of
// times, after checking that the nearest existing ancestor is a writable directory.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A path the kit cannot use, said in one line with what to change. */
export class PathError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
    this.name = 'PathError';
  }
}

/** Deeper than any real directory tree the kit is asked to create. */
const MAX_LEVELS = 64;

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new PathError(path, 'is below a file, not a directory');
    if (code === 'EACCES' || code === 'EPERM') throw new PathError(path, 'cannot be read (no permission)');
    throw new PathError(path, `cannot be read (${code ?? (e as Error).message})`);
  }
}

/** Make `dir` and its missing parents (mode for the new ones); throws PathError naming what is wrong. */
export function ensureDir(dir: string, mode = 0o755): string {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (let i = 0; ; i++) {
    if (i > MAX_LEVELS) throw new PathError(target, 'is nested too deeply');
    const st = statOrUndefined(at);
    if (st) {
      if (!st.isDirectory())
        throw new PathError(
          target,
          at === target ? 'is a file, not a directory' : `cannot be created: ${at} is a file, not a directory`,
        );
      break;
    }
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) throw new PathError(target, 'cannot be created: no existing parent directory');
    at = parent;
  }
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch {
    if (missing.length) throw new PathError(target, `cannot be created: ${at} is not writable`);
    throw new PathError(target, 'is not writable');
  }
  for (const level of missing) {
    try {
      mkdirSync(level, { mode });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(level).isDirectory()) continue;
      throw new PathError(target, `cannot be created (${code ?? (e as Error).message} at ${level})`);
    }
  }
  return target;
}

// Shared by the task scripts: one colour system, configuration or a clear exit, --help. No zx here:
// npm run mitm uses this too, and its all-day process does not load zx.
import { colorsEnabled, makeColors } from '../proxy/common/colors.js';
import { ConfigError, loadConfig, type Config } from '../proxy/common/config.js';
import { badPathLine } from '../proxy/common/path-settings.js';

/** Colours for this process's stdout (FORCE_COLOR / NO_COLOR / TERM=dumb respected). */
export const colors = makeColors(colorsEnabled(process.env, process.stdout.isTTY === true));

/** Paths named by a flag of this task (`--file`, `--out`), so a bad one is reported by its flag. */
const flagPaths: { path: string; setting: string }[] = [];
let loadedConfig: Config | undefined;

export function configOrExit(): Config {
  try {
    loadedConfig = loadConfig();
    return loadedConfig;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(colors.red(`ccp: bad setting ${e.message}`));
      process.exit(2);
    }
    throw e;
  }
}

/** Remember that `path` came from `flag`, for the one-line error if it turns out unusable. */
export function pathFromFlag(path: string, flag: string): string {
  flagPaths.push({ path, setting: flag });
  return path;
}

/**
 * Bad input is one line and exit 2, never a stack trace: a path that is a file, missing, read-only or
 * refused (any error with a filesystem code, or a PathError) names the path, what is wrong and the
 * setting or flag to change. Anything else is a bug and keeps its stack. mitm replaces this once it
 * serves (it must keep running).
 */
export function exitOnBadPath(err: unknown): void {
  const line = badPathLine(err, loadedConfig, flagPaths);
  if (line === undefined) {
    console.error(err);
    process.exit(1);
  }
  console.error(colors.red(`ccp: ${line}`));
  process.exit(2);
}
process.on('uncaughtException', exitOnBadPath);

/** One line for an error a task expected (bad flag values, bad paths): the path's line, else the message. */
export function failureLine(err: unknown): string {
  return badPathLine(err, loadedConfig, flagPaths) ?? (err as Error).message;
}

export function helpRequested(argv: Record<string, unknown>, text: string): void {
  if (argv.help || argv.h) {
    console.log(text.trim());
    process.exit(0);
  }
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The flag among `known` closest to `given` (Levenshtein), or undefined when none is near. */
export function closestFlag(given: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(given, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * A flag the task does not know is an error, never ignored: `--sinse 1m` would otherwise read the whole
 * log. Exit 2 naming it and the closest known one. `argv` is minimist's (zx); `--no-x` arrives as `x`.
 */
export function knownFlags(argv: Record<string, unknown>, known: readonly string[], task: string): void {
  const all = [...known, 'help', 'h'];
  for (const key of Object.keys(argv)) {
    if (key === '_' || key === '--' || all.includes(key)) continue;
    const near = closestFlag(key, known);
    console.error(
      colors.red(
        `ccp: npm run ${task} has no flag --${key}${near ? `; did you mean --${near}?` : ''} (npm run ${task} -- --help lists them)`,
      ),
    );
    process.exit(2);
  }
}

/** `--session ID` (summarize, verify-routing): the id, undefined when absent; exit 2 when given without one. */
export function sessionFlag(argv: Record<string, unknown>): string | undefined {
  const v = argv.session;
  if (v === undefined) return undefined;
  if (v === true || v === false || String(v).trim() === '') {
    console.error(colors.red('ccp: --session takes a session id (npm run summarize -- --by session lists them)'));
    process.exit(2);
  }
  return String(v).trim();
}

// Shared by the task scripts: one colour system, configuration or a clear exit, --help. No zx here:
// npm run mitm uses this too, and its all-day process does not load zx.
import { colorsEnabled, makeColors } from '../proxy/common/colors.js';
import { ConfigError, loadConfig, type Config } from '../proxy/common/config.js';

/** Colours for this process's stdout (FORCE_COLOR / NO_COLOR / TERM=dumb respected). */
export const colors = makeColors(colorsEnabled(process.env, process.stdout.isTTY === true));

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(colors.red(`ccp: bad setting ${e.message}`));
      process.exit(2);
    }
    throw e;
  }
}

export function helpRequested(argv: Record<string, unknown>, text: string): void {
  if (argv.help || argv.h) {
    console.log(text.trim());
    process.exit(0);
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

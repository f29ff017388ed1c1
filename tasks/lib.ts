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

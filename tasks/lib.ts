// Shared by the task scripts: load config or exit with the clear message.
import { chalk } from 'zx';
import { ConfigError, loadConfig, type Config } from '../proxy/common/config.js';

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(chalk.red(`ccp: bad setting ${e.message}`));
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

// The readers' shared flags: `--file` (the log to read; default the usage log) and `--since` (a window).
// A bad value exits 2 with its message, as every reader says it.
import type { Config } from '../proxy/common/config.js';
import { usageLogPath } from '../proxy/common/logs-layout.js';
import { parseSince } from '../proxy/read/log-reader.js';
import { failureLine, pathFromFlag } from './lib.js';

export function logFileAndSince(argv: Record<string, unknown>, config: Config): { file: string; since?: number } {
  const file = typeof argv.file === 'string' ? pathFromFlag(argv.file, '--file') : usageLogPath(config.logsDir);
  try {
    return typeof argv.since === 'string' ? { file, since: parseSince(argv.since) } : { file };
  } catch (e) {
    console.error(`ccp: ${failureLine(e)}`);
    process.exit(2);
  }
}

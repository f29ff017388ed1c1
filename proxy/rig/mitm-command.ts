// How `npm run mitm` starts the proxy, for the tasks that start one as a child (bench, load tests).
import { join } from 'node:path';
import { REPO_ROOT } from '../common/config.js';

export function mitmCommand(): { file: string; args: string[] } {
  return { file: process.execPath, args: [join(REPO_ROOT, 'tasks', 'launch.mjs'), join(REPO_ROOT, 'tasks', 'mitm.ts')] };
}

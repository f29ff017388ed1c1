// What the `npm` process that started this one costs while it waits beside it: `npm run mitm` keeps npm
// (a Node process of its own) alive for as long as the proxy runs. Found by walking up from the parent
// with `ps`, which says the same columns on macOS and Linux.
import { execFileSync } from 'node:child_process';

export interface NpmParent {
  pid: number;
  rssBytes: number;
}

interface PsRow {
  ppid: number;
  rssKb: number;
  args: string;
}

function psRow(pid: number): PsRow | undefined {
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,rss=,args=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 });
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(out.trim());
    return m ? { ppid: Number(m[1]), rssKb: Number(m[2]), args: m[3]! } : undefined;
  } catch {
    return undefined;
  }
}

/** True for a command line that runs npm (`npm run mitm`, `node …/npm-cli.js run mitm`). */
export function isNpmCommand(args: string): boolean {
  return /(^|[/\s])npm(-cli\.js)?(\s|$)/.test(args);
}

/**
 * The npm process among this process's nearest ancestors (npm starts scripts through a shell), or
 * undefined when npm did not start it (CCP_AUTOSTART, `node tasks/launch.mjs tasks/mitm.ts`).
 */
export function npmParent(env: NodeJS.ProcessEnv = process.env, ppid = process.ppid): NpmParent | undefined {
  if (!env.npm_lifecycle_event) return undefined;
  let pid = ppid;
  for (let depth = 0; depth < 3 && pid > 1; depth++) {
    const row = psRow(pid);
    if (!row) return undefined;
    if (isNpmCommand(row.args)) return { pid, rssBytes: row.rssKb * 1024 };
    pid = row.ppid;
  }
  return undefined;
}

// What `npm test` needs from the machine besides Node and npm, where it looks for each, and how to get
// what is missing. The platform-specific knowledge lives here, small and named: where a browser is on
// macOS and Linux, and which package (Debian/Ubuntu apt, Homebrew) brings each tool. Pure: the
// machine is passed in, so the lookups are tested here against recorded layouts of other machines.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Machine {
  platform: NodeJS.Platform;
  /** CHROME_PATH names a browser to use instead of looking for one. */
  env: Record<string, string | undefined>;
  home: string;
  exists(path: string): boolean;
  /** The path of a command on PATH, or undefined. */
  which(command: string): string | undefined;
}

/** This machine, as the lookups see it. */
export function thisMachine(env: Record<string, string | undefined> = process.env): Machine {
  const which = (cmd: string) => {
    for (const dir of (env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
    return undefined;
  };
  return { platform: process.platform, env, home: homedir(), exists: existsSync, which };
}

/** Chromium-based browsers that playwright-core can drive, most likely first. */
export function browserCandidates(m: Machine): string[] {
  if (m.platform === 'darwin') {
    const apps = [
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Chromium.app/Contents/MacOS/Chromium',
      'Google Chrome Canary.app/Contents/MacOS/Google Chrome Canary',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
    return [...apps.map((a) => join('/Applications', a)), ...apps.map((a) => join(m.home, 'Applications', a))];
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
  ];
}

/** The browser the browser tests drive: CHROME_PATH, else the first candidate that exists. */
export function findBrowser(m: Machine): string | undefined {
  const given = m.env.CHROME_PATH?.trim();
  if (given) return m.exists(given) ? given : undefined;
  return browserCandidates(m).find((p) => m.exists(p));
}

export interface Tool {
  name: string;
  /** Why the suite needs it. */
  for: string;
  found(m: Machine): string | undefined;
  /** The Debian/Ubuntu package and the Homebrew formula (`cask:NAME` for an app) that bring it. */
  apt: string;
  brew: string;
  /** The suites (test/NAME.test.ts) that drive it: only those ask for it. */
  suites: string[];
}

export const TOOLS: Tool[] = [
  {
    name: 'curl',
    for: 'HTTP/1.1, HTTP/2 and h2c requests through the proxy',
    found: (m) => m.which('curl'),
    apt: 'curl',
    brew: 'curl',
    suites: ['proxy', 'toggles', 'day-two'],
  },
  {
    name: 'bash',
    for: 'the env script sourced from bash',
    found: (m) => m.which('bash'),
    apt: 'bash',
    brew: 'bash',
    suites: ['tasks', 'day-two'],
  },
  {
    name: 'zsh',
    for: 'the env script sourced from zsh (macOS users’ shell)',
    found: (m) => m.which('zsh'),
    apt: 'zsh',
    brew: 'zsh',
    suites: ['tasks', 'day-two'],
  },
  {
    name: 'a Chromium browser',
    for: 'the dashboard and the HTML report in a real headless browser',
    found: findBrowser,
    apt: 'chromium',
    brew: 'cask:google-chrome',
    suites: ['dashboard', 'report-html'],
  },
  {
    name: 'prometheus',
    for: 'a real Prometheus scraping the proxy’s /__ccp/metrics and receiving its remote_write pushes',
    found: (m) => m.which('prometheus'),
    apt: 'prometheus',
    brew: 'prometheus',
    suites: ['prometheus', 'remote-write'],
  },
];

/** The tools missing here that the chosen suites drive (test file paths or names; all suites when omitted). */
export function missingTools(m: Machine, suites?: readonly string[]): Tool[] {
  const names = suites?.map((f) => f.replace(/^.*\//, '').replace(/\.test\.ts$/, ''));
  return TOOLS.filter((t) => (!names || t.suites.some((s) => names.includes(s))) && !t.found(m));
}

/** The one command that brings the missing tools on this machine. */
export function installCommand(missing: Tool[], m: Machine, asRoot: boolean): string {
  if (m.platform === 'darwin') {
    const formulas = missing.filter((t) => !t.brew.startsWith('cask:')).map((t) => t.brew);
    const casks = missing.filter((t) => t.brew.startsWith('cask:')).map((t) => t.brew.slice(5));
    return [
      formulas.length ? `brew install ${formulas.join(' ')}` : '',
      casks.length ? `brew install --cask ${casks.join(' ')}` : '',
    ]
      .filter(Boolean)
      .join(' && ');
  }
  const pkgs = missing.map((t) => t.apt).join(' ');
  return `${asRoot ? '' : 'sudo '}apt-get update && ${asRoot ? '' : 'sudo '}apt-get install -y --no-install-recommends ${pkgs}`;
}

// ANSI colours for every task's console, the long-running proxy's included. Not zx's chalk: the proxy
// process does not load zx at all (≈7 MB less resident memory, measured, for two helpers it would use).
export interface Colors {
  magenta(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
  red(s: string): string;
  gray(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
}

/** Colour when forced (FORCE_COLOR other than 0), else on a terminal unless NO_COLOR or TERM=dumb. */
export function colorsEnabled(env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '')
    return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTty && env.TERM !== 'dumb';
}

export function makeColors(enabled: boolean): Colors {
  const sgr = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    magenta: sgr(35, 39),
    cyan: sgr(36, 39),
    green: sgr(32, 39),
    red: sgr(31, 39),
    gray: sgr(90, 39),
    yellow: sgr(33, 39),
    bold: sgr(1, 22),
  };
}

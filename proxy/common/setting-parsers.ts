// Reading one setting: its value or default, and the one-line error naming it when the value is not
// allowed. Pure. config.ts assembles the whole configuration from these.
import { SETTINGS } from './settings-list.js';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function pick(env: Env, name: string): string {
  const v = env[name];
  return v === undefined || v.trim() === '' ? SETTINGS[name]! : v.trim();
}

export function parseBool(env: Env, name: string): boolean {
  const v = pick(env, name).toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === '0' || v === 'false' || v === 'no' || v === 'off') return false;
  throw new ConfigError(name, `invalid value "${env[name]}"; allowed: 1 or 0 (also true/false, yes/no, on/off)`);
}

export function parsePort(env: Env, name: string): number {
  const raw = pick(env, name);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
    throw new ConfigError(name, `invalid port "${raw}"; allowed: a whole number from 1 to 65535`);
  }
  return n;
}

export function parseNumber(env: Env, name: string, opts: { min: number; integer?: boolean; what: string }): number {
  const raw = pick(env, name);
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || n < opts.min || (opts.integer && !Number.isInteger(n))) {
    throw new ConfigError(name, `invalid value "${raw}"; allowed: ${opts.what}`);
  }
  return n;
}

/** The timeouts' allowed values: whole milliseconds, at least 1. */
export const MILLISECONDS = { min: 1, integer: true, what: 'milliseconds, a whole number of at least 1' };

export function parsePercent(env: Env, name: string): number {
  const what = 'a percentage from 1 to 100 (0 never stops on the quota)';
  const n = parseNumber(env, name, { min: 0, what });
  if (n > 100) throw new ConfigError(name, `invalid value "${pick(env, name)}"; allowed: ${what}`);
  return n;
}

export function parseUrl(env: Env, name: string): URL {
  const raw = pick(env, name);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `invalid URL "${raw}"; allowed: an absolute http:// or https:// URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `invalid URL "${raw}"; allowed: an absolute http:// or https:// URL`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(name, `"${raw}" must not carry a query or fragment`);
  }
  // The path is a prefix that request paths are appended to.
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

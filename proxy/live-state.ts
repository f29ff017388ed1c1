// Toggles that change while the proxy runs. The pause flag file makes `npm run pause` survive a restart.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HeaderMode } from './config.js';

export function pauseFlagPath(logsDir: string): string {
  return join(logsDir, '.offload-paused');
}

export function teeFlagPath(logsDir: string): string {
  return join(logsDir, '.tee-on');
}

export class LiveState {
  paused: boolean;
  zaiHeaderMode: HeaderMode;
  /** Epoch ms until which Haiku stays on Anthropic (decision cooldown); 0 when not cooling down. */
  zaiCooldownUntil = 0;
  zaiCooldownWhy = '';

  constructor(
    private readonly logsDir: string,
    opts: { pausedAtStart: boolean; headerMode: HeaderMode },
  ) {
    this.paused = opts.pausedAtStart || existsSync(pauseFlagPath(logsDir));
    this.zaiHeaderMode = opts.headerMode;
  }

  coolingDown(nowMs = Date.now()): boolean {
    return this.zaiCooldownUntil > nowMs;
  }

  /** A longer cooldown extends the current one; a shorter one never shortens it. */
  startCooldown(seconds: number, why: string, nowMs = Date.now()): void {
    const until = nowMs + seconds * 1000;
    if (until > this.zaiCooldownUntil) {
      this.zaiCooldownUntil = until;
      this.zaiCooldownWhy = why;
    }
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    writePauseFlag(this.logsDir, paused);
  }
}

/** Persist the pause choice for the next start (the running proxy is told through its control endpoint). */
export function writePauseFlag(logsDir: string, paused: boolean): void {
  const flag = pauseFlagPath(logsDir);
  if (paused) {
    mkdirSync(dirname(flag), { recursive: true });
    writeFileSync(flag, `${new Date().toISOString()}\n`);
  } else {
    rmSync(flag, { force: true });
  }
}

// Toggles that change while the proxy runs. The pause flag file makes `npm run pause` survive a restart.
import { pauseFlagSet, writePauseFlag } from '../common/logs-layout.js';
import type { HeaderMode } from '../common/config.js';

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
    this.paused = opts.pausedAtStart || pauseFlagSet(logsDir);
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

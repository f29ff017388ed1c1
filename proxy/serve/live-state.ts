// What changes while the proxy runs: the pause toggle, the Z.AI header mode that worked, the cooldown
// and the request fields Z.AI refused. The pause flag file makes `npm run pause` survive a restart.
import type { HeaderMode, SettingSource } from '../common/config.js';
import type { QuotaStatus } from '../common/proxy-status.js';
import { pauseFlagSet, writePauseFlag } from '../common/logs-layout.js';
import type { SubscriptionLimits } from './subscription-limits.js';
import type { CooldownPlan, CooldownReason } from './zai-failures.js';

export class LiveState {
  paused: boolean;
  zaiHeaderMode: HeaderMode;
  /** Epoch ms until which Haiku stays on Anthropic (decision cooldown); 0 when not cooling down. */
  zaiCooldownUntil = 0;
  zaiCooldownReason: CooldownReason | '' = '';
  zaiCooldownWhy = '';
  /** Top-level fields Z.AI answered "Extra inputs are not permitted" for: dropped from every Z.AI request of this run. */
  readonly zaiUnknownFields = new Set<string>();
  /** The Anthropic subscription's windows, from the last answer on the Anthropic lane that carried them. */
  subscription: SubscriptionLimits | undefined;
  /** The Z.AI plan's quota from its last read (zai-quota.ts). */
  zaiQuota: QuotaStatus | undefined;

  /** Why the proxy started paused or not, when it is worth saying (the banner and the run line show it). */
  readonly pauseAtStart: PauseAtStart;

  constructor(
    private readonly logsDir: string,
    opts: { offloadPaused: boolean; offloadPausedFrom: SettingSource; headerMode: HeaderMode },
  ) {
    this.pauseAtStart = pauseAtStart(opts.offloadPaused, opts.offloadPausedFrom, pauseFlagSet(logsDir));
    this.paused = this.pauseAtStart.paused;
    // An explicit setting becomes the remembered one, so a plain restart keeps what is in force now.
    if (opts.offloadPausedFrom === 'shell') writePauseFlag(logsDir, this.paused);
    this.zaiHeaderMode = opts.headerMode;
  }

  coolingDown(nowMs = Date.now()): boolean {
    return this.zaiCooldownUntil > nowMs;
  }

  /** A cooldown that ends later replaces the current one; one that ends sooner never shortens it. True when it did. */
  startCooldown(c: CooldownPlan): boolean {
    if (c.untilMs <= this.zaiCooldownUntil) return false;
    this.zaiCooldownUntil = c.untilMs;
    this.zaiCooldownReason = c.reason;
    this.zaiCooldownWhy = c.why;
    return true;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    writePauseFlag(this.logsDir, paused);
  }
}

export interface PauseAtStart {
  paused: boolean;
  /** What decided it: OFFLOAD_PAUSED from the shell, the remembered pause, OFFLOAD_PAUSED from .env, or the default. */
  from: 'shell' | 'remembered' | '.env' | 'default';
  /** One line for the banner when the outcome is not the plain default; empty otherwise. */
  note: string;
}

/**
 * Pure: an OFFLOAD_PAUSED given in the shell (or inline) wins over the remembered pause; from `.env` or
 * the default it can only add a pause (`.env.example` carries OFFLOAD_PAUSED=0, which must not undo
 * `npm run pause`).
 */
export function pauseAtStart(offloadPaused: boolean, from: SettingSource, remembered: boolean): PauseAtStart {
  if (from === 'shell') {
    const note = remembered && !offloadPaused ? 'OFFLOAD_PAUSED=0 from the shell overrides the remembered pause (cleared)' : offloadPaused ? 'paused by OFFLOAD_PAUSED=1 from the shell' : '';
    return { paused: offloadPaused, from: 'shell', note };
  }
  if (remembered) return { paused: true, from: 'remembered', note: 'paused since `npm run pause` (remembered in logs/.offload-paused): npm run resume, or start with OFFLOAD_PAUSED=0' };
  if (offloadPaused) return { paused: true, from: '.env', note: 'paused by OFFLOAD_PAUSED=1 in .env: npm run resume, or set it to 0' };
  return { paused: false, from: 'default', note: '' };
}

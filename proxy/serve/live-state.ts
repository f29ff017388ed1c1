// What changes while the proxy runs: the pause toggle, the Z.AI header mode that worked, the cooldown
// and the request fields Z.AI refused. The pause flag file makes `npm run pause` survive a restart.
import type { HeaderMode } from '../common/config.js';
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

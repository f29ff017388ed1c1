// What changes while the proxy runs: the pause toggle, the Z.AI header mode that worked, the cooldown
// and the request fields Z.AI refused. The pause flag file makes `npm run pause` survive a restart.
import type { HeaderMode, SettingSource } from '../../common/config.js';
import type { QuotaStatus, SubscriptionStatus } from '../../common/proxy-status.js';
import { pauseFlagSet, writePauseFlag } from '../../common/logs-layout.js';
import type { CooldownPlan, CooldownReason } from './zai-failures.js';

/** What every other module may see of the live state: read-only. Only LiveState's own methods change it. */
export interface LiveView {
  readonly paused: boolean;
  /** CCP_OFFLOAD has subagents now (set at start, switched live with npm run offload). */
  readonly offloadSubagents: boolean;
  readonly zaiHeaderMode: HeaderMode;
  /** Epoch ms until which the Z.AI lane cools down (decision cooldown); 0 when not cooling down. */
  readonly zaiCooldownUntil: number;
  readonly zaiCooldownReason: CooldownReason | '';
  readonly zaiCooldownWhy: string;
  /** Top-level fields Z.AI answered "Extra inputs are not permitted" for: dropped from every Z.AI request of this run. */
  readonly zaiUnknownFields: ReadonlySet<string>;
  /** The Anthropic subscription's windows, from the last answer on the Anthropic lane that carried them. */
  readonly subscription: SubscriptionStatus | undefined;
  /** The Z.AI plan's quota from its last read (zai-quota.ts). */
  readonly zaiQuota: QuotaStatus | undefined;
  /** Why the proxy started paused or not, when it is worth saying (the banner and the run line show it). */
  readonly pauseAtStart: PauseAtStart;
  coolingDown(nowMs?: number): boolean;
}

/**
 * The owner of what changes while the proxy runs: each change is one named method here (the way a
 * mitmproxy addon's state is set only by its own hooks), so whoever wants to know how the pause, the
 * header mode, a cooldown, the refused fields, the subscription or the quota change reads this file.
 */
export class LiveState implements LiveView {
  #paused: boolean;
  #offloadSubagents: boolean;
  #headerMode: HeaderMode;
  #cooldown: { untilMs: number; reason: CooldownReason | ''; why: string } = { untilMs: 0, reason: '', why: '' };
  readonly #unknownFields = new Set<string>();
  #subscription: SubscriptionStatus | undefined;
  #quota: QuotaStatus | undefined;
  readonly pauseAtStart: PauseAtStart;

  constructor(
    private readonly logsDir: string,
    opts: {
      offloadPaused: boolean;
      offloadPausedFrom: SettingSource;
      headerMode: HeaderMode;
      offloadSubagents?: boolean;
    },
  ) {
    this.#offloadSubagents = opts.offloadSubagents ?? false;
    this.pauseAtStart = pauseAtStart(opts.offloadPaused, opts.offloadPausedFrom, pauseFlagSet(logsDir));
    this.#paused = this.pauseAtStart.paused;
    // An explicit setting becomes the remembered one, so a plain restart keeps what is in force now.
    if (opts.offloadPausedFrom === 'shell') writePauseFlag(logsDir, this.#paused);
    this.#headerMode = opts.headerMode;
  }

  get paused(): boolean {
    return this.#paused;
  }
  get offloadSubagents(): boolean {
    return this.#offloadSubagents;
  }
  get zaiHeaderMode(): HeaderMode {
    return this.#headerMode;
  }
  get zaiCooldownUntil(): number {
    return this.#cooldown.untilMs;
  }
  get zaiCooldownReason(): CooldownReason | '' {
    return this.#cooldown.reason;
  }
  get zaiCooldownWhy(): string {
    return this.#cooldown.why;
  }
  get zaiUnknownFields(): ReadonlySet<string> {
    return this.#unknownFields;
  }
  get subscription(): SubscriptionStatus | undefined {
    return this.#subscription;
  }
  get zaiQuota(): QuotaStatus | undefined {
    return this.#quota;
  }

  coolingDown(nowMs = Date.now()): boolean {
    return this.#cooldown.untilMs > nowMs;
  }

  /** npm run pause / resume (and the dashboard): effective on the next request, remembered for the next start. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    writePauseFlag(this.logsDir, paused);
  }

  /** npm run offload -- subagents on|off: effective on the next request; not remembered (CCP_OFFLOAD is). */
  setSubagentOffload(on: boolean): void {
    this.#offloadSubagents = on;
  }

  /** A Z.AI answer was 2xx in this header mode: it is the one used from now on. */
  headerModeWorked(mode: HeaderMode): void {
    this.#headerMode = mode;
  }

  /** Z.AI called these top-level fields unknown; they are dropped from its requests for the rest of the run. */
  refuseFields(fields: readonly string[]): void {
    for (const f of fields) this.#unknownFields.add(f);
  }

  /** A cooldown that ends later replaces the current one; one that ends sooner never shortens it. True when it did. */
  startCooldown(c: CooldownPlan): boolean {
    if (c.untilMs <= this.#cooldown.untilMs) return false;
    this.#cooldown = { untilMs: c.untilMs, reason: c.reason, why: c.why };
    return true;
  }

  /** The cooldown is over now (no product path calls it either; see resetZaiLane). */
  endCooldown(): void {
    this.#cooldown = { untilMs: 0, reason: '', why: '' };
  }

  /**
   * Back to a fresh run's Z.AI lane: no cooldown, the configured header mode, no refused fields. No
   * product path calls it (a cooldown ends by itself, the rest lasts the run); the suites that share one
   * proxy across cases use it between them instead of reaching into the fields.
   */
  resetZaiLane(headerMode: HeaderMode): void {
    this.endCooldown();
    this.#headerMode = headerMode;
    this.#unknownFields.clear();
  }

  /** An Anthropic answer carried the subscription's windows. */
  sawSubscription(s: SubscriptionStatus): void {
    this.#subscription = s;
  }

  /** A quota read answered. */
  quotaRead(q: QuotaStatus): void {
    this.#quota = q;
  }

  /** A quota read failed: the quota is unknown since the first failure, the last windows kept for reference. */
  quotaUnknown(error: string, nowMs: number): void {
    this.#quota = {
      ...(this.#quota ?? { windows: [] }),
      unknown_since: this.#quota?.unknown_since ?? new Date(nowMs).toISOString(),
      error,
    };
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
    const note =
      remembered && !offloadPaused
        ? 'OFFLOAD_PAUSED=0 from the shell overrides the remembered pause (cleared)'
        : offloadPaused
          ? 'paused by OFFLOAD_PAUSED=1 from the shell'
          : '';
    return { paused: offloadPaused, from: 'shell', note };
  }
  if (remembered)
    return {
      paused: true,
      from: 'remembered',
      note: 'paused since `npm run pause` (remembered in logs/.offload-paused): npm run resume, or start with OFFLOAD_PAUSED=0',
    };
  if (offloadPaused)
    return { paused: true, from: '.env', note: 'paused by OFFLOAD_PAUSED=1 in .env: npm run resume, or set it to 0' };
  return { paused: false, from: 'default', note: '' };
}

// What the Z.AI lane learned while the proxy runs: the header mode that worked, the cooldown after a
// failure, and the request fields Z.AI refused. Written only by the attempt policy (it sees every Z.AI
// answer); everyone else reads `ZaiLaneView`, which also counts the quota stop of the quota watch
// (zai-quota.ts, its own owner) as a cooldown: the lane is closed by whichever ends later.
import type { HeaderMode } from '../../common/config.js';
import type { QuotaStatus } from '../../common/proxy-status.js';
import type { CooldownPlan, CooldownReason } from './zai-failures.js';

export interface ZaiCooldown {
  /** Epoch ms until which the Z.AI lane cools down. */
  untilMs: number;
  reason: CooldownReason;
  why: string;
}

/** What the quota watch (zai-quota.ts) shows the lane: its last read and the stop in force. */
export interface QuotaView {
  readonly quota: QuotaStatus | undefined;
  stop(nowMs?: number): CooldownPlan | undefined;
}

export interface ZaiLaneView {
  readonly headerMode: HeaderMode;
  /** Top-level fields Z.AI answered "Extra inputs are not permitted" for: dropped from every Z.AI request of this run. */
  readonly refusedFields: ReadonlySet<string>;
  /** The Z.AI plan's quota from its last read. */
  readonly quota: QuotaStatus | undefined;
  /** The cooldown in force (a failure's or the quota stop's, whichever ends later); undefined when none. */
  cooldown(nowMs?: number): ZaiCooldown | undefined;
  coolingDown(nowMs?: number): boolean;
}

export class ZaiLaneHealth implements ZaiLaneView {
  #headerMode: HeaderMode;
  #cooldown: ZaiCooldown | undefined;
  readonly #refused = new Set<string>();

  constructor(
    headerMode: HeaderMode,
    private readonly quotaWatch: QuotaView,
  ) {
    this.#headerMode = headerMode;
  }

  get headerMode(): HeaderMode {
    return this.#headerMode;
  }
  get refusedFields(): ReadonlySet<string> {
    return this.#refused;
  }
  get quota(): QuotaStatus | undefined {
    return this.quotaWatch.quota;
  }

  cooldown(nowMs = Date.now()): ZaiCooldown | undefined {
    const failure = this.#cooldown && this.#cooldown.untilMs > nowMs ? this.#cooldown : undefined;
    const stop = this.quotaWatch.stop(nowMs);
    if (!stop) return failure;
    return failure && failure.untilMs >= stop.untilMs ? failure : stop;
  }

  coolingDown(nowMs = Date.now()): boolean {
    return this.cooldown(nowMs) !== undefined;
  }

  /** A Z.AI answer was 2xx in this header mode: it is the one used from now on. */
  headerModeWorked(mode: HeaderMode): void {
    this.#headerMode = mode;
  }

  /** Z.AI called these top-level fields unknown; they are dropped from its requests for the rest of the run. */
  refuseFields(fields: readonly string[]): void {
    for (const f of fields) this.#refused.add(f);
  }

  /** A cooldown that ends later replaces the current one; one that ends sooner never shortens it. True when it did. */
  startCooldown(c: CooldownPlan, nowMs = Date.now()): boolean {
    const current = this.cooldown(nowMs);
    if (current && c.untilMs <= current.untilMs) return false;
    this.#cooldown = { untilMs: c.untilMs, reason: c.reason, why: c.why };
    return true;
  }
}

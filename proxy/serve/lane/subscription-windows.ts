// The Anthropic subscription's windows as the last answer on the Anthropic lane reported them (its
// unified rate-limit headers, upstream/subscription-limits.ts). Written only by the observer the
// assembly hangs on completed attempts (server.ts); read by status, the dashboard and the metrics.
import type { SubscriptionStatus } from '../../common/proxy-status.js';

export interface SubscriptionView {
  readonly latest: SubscriptionStatus | undefined;
}

export class SubscriptionWindows implements SubscriptionView {
  #latest: SubscriptionStatus | undefined;

  get latest(): SubscriptionStatus | undefined {
    return this.#latest;
  }

  /** An Anthropic answer carried the subscription's windows. */
  saw(s: SubscriptionStatus): void {
    this.#latest = s;
  }
}

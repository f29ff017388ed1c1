// CCP_OVERFLOW=main: the Anthropic subscription's window is spent (Anthropic answered 429 with its unified
// status `rejected`) and, until the window resets, requests go to Z.AI instead. Written only by the attempt
// policy, which sees the refusal; the router reads it for the decision. Pure but for the clock passed in.

export interface OverflowView {
  /** The spent window and when it resets, while overflow is in force at `nowMs`; undefined otherwise. */
  active(nowMs?: number): { window: string; untilMs: number } | undefined;
}

/** The window a refusal names and its reset (epoch ms), from the answer's unified headers; undefined when not a limit refusal. */
export function spentWindow(
  headers: Record<string, string> | undefined,
  nowMs: number,
): { window: string; untilMs: number } | undefined {
  if (headers?.['anthropic-ratelimit-unified-status'] !== 'rejected') return undefined;
  const claim = headers['anthropic-ratelimit-unified-representative-claim'] ?? '';
  const window = claim === 'seven_day' ? '7d' : claim === 'five_hour' ? '5h' : claim || 'subscription';
  const named = window === '5h' || window === '7d' ? headers[`anthropic-ratelimit-unified-${window}-reset`] : undefined;
  const resetS = Number(named ?? headers['anthropic-ratelimit-unified-reset']);
  // A reset that cannot be read, or lies in the past, still moves this request; the next one asks again.
  const untilMs = Number.isFinite(resetS) && resetS * 1000 > nowMs ? resetS * 1000 : nowMs;
  return { window, untilMs };
}

export class Overflow implements OverflowView {
  #spent: { window: string; untilMs: number } | undefined;

  active(nowMs = Date.now()): { window: string; untilMs: number } | undefined {
    return this.#spent && this.#spent.untilMs > nowMs ? this.#spent : undefined;
  }

  /** Anthropic refused for this window until `untilMs`: true when it is news (said once on the console). */
  spent(s: { window: string; untilMs: number }): boolean {
    const news = !this.#spent || this.#spent.untilMs < s.untilMs;
    if (news) this.#spent = s;
    return news;
  }
}

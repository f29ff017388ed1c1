// How many requests the Z.AI lane may have in flight. Z.AI limits a plan's concurrent requests and
// answers the rest 429 with code 1302 (zai-org/feedback #761): that is a per-request matter, not a
// reason to cool the whole lane. The limit is either the user's (CCP_ZAI_MAX_INFLIGHT) or learned:
// unknown (no limit) until the first concurrency refusal, then the number of Z.AI requests still in
// flight beside the refused one; it grows back by one after as many successes as the limit while the
// lane was full (additive increase, the way TCP probes for room). The owner of this state is the
// attempt policy; everyone else reads `ZaiCapacityView`.

export interface ZaiCapacityView {
  /** Z.AI requests in flight now (each holds its slot through every attempt and retry of the request). */
  readonly inFlight: number;
  /** The in-flight limit in force; undefined while no limit is known (none set, no refusal seen yet). */
  readonly limit: number | undefined;
  /** 'set': CCP_ZAI_MAX_INFLIGHT; 'learned': from Z.AI's concurrency refusals; 'unknown': neither yet. */
  readonly limitFrom: 'set' | 'learned' | 'unknown';
  /** Concurrency refusals (1302/1305) seen since start. */
  readonly refusals: number;
  /** Requests kept on Anthropic since start because the lane was full (decision zai_busy). */
  readonly keptOff: number;
}

export class ZaiCapacity implements ZaiCapacityView {
  #inFlight = 0;
  #limit: number | undefined;
  #refusals = 0;
  #keptOff = 0;
  /** Successes since the limit last changed, counted only while the lane ran full. */
  #successesWhileFull = 0;
  #wasFull = false;

  constructor(private readonly configured: number | undefined) {
    this.#limit = configured;
  }

  get inFlight(): number {
    return this.#inFlight;
  }
  get limit(): number | undefined {
    return this.#limit;
  }
  get limitFrom(): 'set' | 'learned' | 'unknown' {
    return this.configured !== undefined ? 'set' : this.#limit !== undefined ? 'learned' : 'unknown';
  }
  get refusals(): number {
    return this.#refusals;
  }
  get keptOff(): number {
    return this.#keptOff;
  }

  /** Is there a slot for one more request now? */
  hasRoom(): boolean {
    return this.#limit === undefined || this.#inFlight < this.#limit;
  }

  /** A request takes a slot (the decision saw room, in the same turn of the event loop). */
  acquire(): void {
    this.#inFlight++;
    if (this.#limit !== undefined && this.#inFlight >= this.#limit) this.#wasFull = true;
  }

  release(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  /** A request went to Anthropic because every slot was taken. */
  keptOffOne(): void {
    this.#keptOff++;
    this.#wasFull = true;
  }

  /**
   * Z.AI refused a request of ours for concurrency while it held a slot: what Z.AI took is what is
   * still in flight beside it. A set limit is the user's and is not changed.
   */
  refused(): void {
    this.#refusals++;
    this.#successesWhileFull = 0;
    if (this.configured !== undefined) return;
    const besides = Math.max(1, this.#inFlight - 1);
    this.#limit = this.#limit === undefined ? besides : Math.min(this.#limit, besides);
    this.#wasFull = true;
  }

  /** A Z.AI answer succeeded: after `limit` of them while the lane ran full, try one slot more. */
  succeeded(): void {
    if (this.configured !== undefined || this.#limit === undefined || !this.#wasFull) return;
    this.#successesWhileFull++;
    if (this.#successesWhileFull >= this.#limit) {
      this.#limit++;
      this.#successesWhileFull = 0;
      this.#wasFull = false;
    }
  }
}

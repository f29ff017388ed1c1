// Cost over a log: per lane, per lane and model, and what the offload saved (the Z.AI-lane attempts
// priced as the Claude model they asked for, minus what they cost on Z.AI). Exact: pico-dollar sums.
import { attemptCost, decimalUsd, savedBy, usd, type AttemptCost, type Pricing } from '../common/cost.js';
import { zaiModelFor } from '../common/prices.js';
import { attemptCredits } from '../common/credits.js';
import type { LogEntry } from './log-reader.js';

/** A sum of money as JSON: a number for tools, the exact decimal for people and tests. */
export interface CostFigure {
  usd: number;
  /** The exact figure in dollars, as a decimal string. */
  exact: string;
  /** Attempts priced (attempts without tokens count, at 0). */
  priced: number;
  /** Attempts with tokens whose model has no price: left out of the figure, never guessed. */
  no_price: number;
}

export interface SavingFigure {
  /** What the Z.AI-lane attempts would have cost at their Claude model's Anthropic price… */
  as_claude: CostFigure;
  /** …what they cost on Z.AI (0 with ZAI_BILLING=plan)… */
  on_zai: CostFigure;
  /** …and the difference, over the attempts where both are known. */
  saved: CostFigure;
}

export interface CostReport {
  prices: string;
  zai_billing: Pricing['zaiBilling'];
  total: CostFigure;
  by_lane: Record<string, CostFigure>;
  /** Keyed `lane model`; `priced_as` names the table entry (for Z.AI, the GLM model it ran as). */
  by_model: Record<string, CostFigure & { priced_as?: string }>;
  saving: SavingFigure;
  /** `lane model` ids that had tokens but no price. */
  no_price_models: string[];
  /**
   * ZAI_BILLING=plan: what the Z.AI lane spent of a credit-based plan (common/credits.ts), per GLM
   * model, and the attempts whose model has no published credit rate.
   */
  credits?: { total: number; by_model: Record<string, number>; no_rate: Record<string, number> };
}

export class CostSum {
  pico = 0n;
  priced = 0;
  noPrice = 0;

  add(pico: bigint | undefined): void {
    if (pico === undefined) this.noPrice++;
    else {
      this.pico += pico;
      this.priced++;
    }
  }

  /** Add another sum's figures to this one. */
  merge(other: CostSum): this {
    this.pico += other.pico;
    this.priced += other.priced;
    this.noPrice += other.noPrice;
    return this;
  }

  figure(): CostFigure {
    return { usd: usd(this.pico), exact: decimalUsd(this.pico), priced: this.priced, no_price: this.noPrice };
  }
}

interface ModelSum {
  sum: CostSum;
  pricedAs?: string;
}

export class CostTally {
  /** lane → model as logged → its sum. The per-lane and total figures are added up at the end:
   * one sum per line keeps summarize over a million lines within its time budget. */
  private readonly lanes = new Map<string, Map<string, ModelSum>>();
  private readonly asClaude = new CostSum();
  private readonly saved = new CostSum();
  private readonly noPrice = new Set<string>();
  /** ZAI_BILLING=plan: credits per GLM model, in ten-thousandths (integers add exactly), and attempts with no rate. */
  private readonly credits = new Map<string, number>();
  private readonly noRate = new Map<string, number>();

  constructor(private readonly pricing: Pricing) {}

  /** Add one completed attempt; returns its cost for other tallies to use. */
  add(e: LogEntry): AttemptCost {
    const c = attemptCost(e, this.pricing);
    const lane = e.lane ?? 'unknown';
    const model = e.model ?? '(no model)';
    let models = this.lanes.get(lane);
    if (!models) this.lanes.set(lane, (models = new Map()));
    let m = models.get(model);
    if (!m) models.set(model, (m = { sum: new CostSum() }));
    m.sum.add(c.cost);
    if (c.pricedAs) m.pricedAs = c.pricedAs;
    if (c.cost === undefined)
      this.noPrice.add(lane === 'zai' ? `zai ${zaiModelFor(e.model, e.upstream_model) ?? model}` : `${lane} ${model}`);
    if (
      lane === 'zai' &&
      this.pricing.zaiBilling === 'plan' &&
      (c.tokens.input || c.tokens.output || c.tokens.cache_read)
    ) {
      const glm = e.served_model ?? zaiModelFor(e.model, e.upstream_model) ?? model;
      const spent = attemptCredits(c.tokens, glm);
      if (spent === undefined) this.noRate.set(glm, (this.noRate.get(glm) ?? 0) + 1);
      else this.credits.set(glm, (this.credits.get(glm) ?? 0) + Math.round(spent * 10_000));
    }
    if (lane === 'zai') {
      this.asClaude.add(c.asClaude);
      if (c.asClaude === undefined) this.noPrice.add(`anthropic ${model} (as Claude)`);
      this.saved.add(savedBy(c));
    }
    return c;
  }

  /** The tally of a later part of the log (only its fields are read: a structured copy will do). */
  absorb(o: CostTally): void {
    for (const [lane, models] of o.lanes) {
      let mine = this.lanes.get(lane);
      if (!mine) this.lanes.set(lane, (mine = new Map()));
      for (const [model, m] of models) {
        let into = mine.get(model);
        if (!into) mine.set(model, (into = { sum: new CostSum() }));
        into.sum.merge(m.sum);
        if (m.pricedAs) into.pricedAs = m.pricedAs;
      }
    }
    this.asClaude.merge(o.asClaude);
    this.saved.merge(o.saved);
    for (const k of o.noPrice) this.noPrice.add(k);
    for (const [k, n] of o.credits) this.credits.set(k, (this.credits.get(k) ?? 0) + n);
    for (const [k, n] of o.noRate) this.noRate.set(k, (this.noRate.get(k) ?? 0) + n);
  }

  result(): CostReport {
    const total = new CostSum();
    const byLane = new Map<string, CostSum>();
    const byModel: [string, ModelSum][] = [];
    for (const [lane, models] of this.lanes) {
      const laneSum = new CostSum();
      for (const [model, m] of models) {
        laneSum.merge(m.sum);
        byModel.push([`${lane} ${model}`, m]);
      }
      byLane.set(lane, laneSum);
      total.merge(laneSum);
    }
    return {
      prices: this.pricing.book.origin,
      zai_billing: this.pricing.zaiBilling,
      total: total.figure(),
      by_lane: Object.fromEntries([...byLane].sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [k, s.figure()])),
      by_model: Object.fromEntries(
        byModel
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, m]) => [k, { ...m.sum.figure(), ...(m.pricedAs ? { priced_as: m.pricedAs } : {}) }]),
      ),
      saving: {
        as_claude: this.asClaude.figure(),
        on_zai: (byLane.get('zai') ?? new CostSum()).figure(),
        saved: this.saved.figure(),
      },
      no_price_models: [...this.noPrice].sort(),
      ...(this.pricing.zaiBilling === 'plan'
        ? {
            credits: {
              total: [...this.credits.values()].reduce((a, b) => a + b, 0) / 10_000,
              by_model: Object.fromEntries(
                [...this.credits].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v / 10_000]),
              ),
              no_rate: Object.fromEntries([...this.noRate].sort(([a], [b]) => a.localeCompare(b))),
            },
          }
        : {}),
    };
  }
}

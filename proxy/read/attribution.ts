// Which calls spent it: completed attempts grouped by Claude Code's session or request class (the
// labels on each log line), with the lanes they went to, their tokens and their cost.
import { savedBy, type AttemptCost } from '../common/cost.js';
import { attemptCredits } from '../common/credits.js';
import { CostSum, type CostFigure } from './cost-summary.js';
import type { LogEntry } from './log-reader.js';
import { kindOfWork, neverMoves } from '../common/work-kind.js';

export type AttributionKey = 'session' | 'request_class' | 'work';

/** Lines written before the labels existed, or by clients that send none. */
export const UNLABELLED = '(none)';

export interface AttributionRow {
  /** Completed attempts. */
  attempts: number;
  /** Completed attempts per lane. */
  lanes: Record<string, number>;
  tokens: { input: number; output: number; cache_read: number; cache_write: number };
  cost: CostFigure;
  /** What its Z.AI-lane attempts saved against their Claude price (where both prices are known). */
  saved: CostFigure;
  /**
   * `--by agent`: what its Anthropic-lane messages would have moved to Z.AI (attempts, tokens, and their
   * cost at the Z.AI lane's prices: each Claude id as the GLM model Z.AI runs it as). Absent for work
   * that never moves (the main conversation, account probes).
   */
  would_move?: {
    attempts: number;
    input: number;
    output: number;
    cost_on_zai: CostFigure;
    /** ZAI_BILLING=plan: the credits it would have spent (common/credits.ts), and attempts with no published rate. */
    credits_on_zai?: number;
    credits_no_rate?: number;
  };
  first_ts: number;
  last_ts: number;
}

class Row {
  attempts = 0;
  lanes: Record<string, number> = {};
  tokens = { input: 0, output: 0, cache_read: 0, cache_write: 0 };
  cost = new CostSum();
  saved = new CostSum();
  moveAttempts = 0;
  moveInput = 0;
  moveOutput = 0;
  moveCost = new CostSum();
  /** Ten-thousandths of a credit (integers add exactly), and attempts whose GLM model has no credit rate. */
  moveCredits = 0;
  moveNoRate = 0;
  movable = false;
  first = Infinity;
  last = -Infinity;
}

export class AttributionTally {
  private readonly rows = new Map<string, Row>();
  /** A getter per key rather than `e[key]`: summarize calls add twice per log line. */
  private readonly labelOf: (e: LogEntry) => unknown;

  constructor(
    private readonly key: AttributionKey,
    /** `work` only: prices an Anthropic-lane attempt as if it had run on the Z.AI lane. */
    private readonly onZai?: (e: LogEntry) => AttemptCost,
    /** ZAI_BILLING=plan: also count what the staying work would have spent in credits. */
    private readonly inCredits = false,
  ) {
    this.labelOf = key === 'session' ? (e) => e.session : key === 'work' ? kindOfWork : (e) => e.request_class;
  }

  add(e: LogEntry, c: AttemptCost): void {
    const raw = this.labelOf(e);
    const label = typeof raw === 'string' && raw ? raw : UNLABELLED;
    let r = this.rows.get(label);
    if (!r) this.rows.set(label, (r = new Row()));
    const lane = e.lane ?? 'unknown';
    r.attempts++;
    r.lanes[lane] = (r.lanes[lane] ?? 0) + 1;
    const t = c.tokens;
    r.tokens.input += t.input;
    r.tokens.output += t.output;
    r.tokens.cache_read += t.cache_read;
    r.tokens.cache_write += t.cache_write_5m + t.cache_write_1h + t.cache_write_unsplit;
    r.cost.add(c.cost);
    if (lane === 'zai') r.saved.add(savedBy(c));
    if (this.key === 'work' && this.onZai && !neverMoves(label, e)) {
      r.movable = true;
      if (lane === 'anthropic') {
        r.moveAttempts++;
        r.moveInput += t.input + t.cache_read + t.cache_write_5m + t.cache_write_1h + t.cache_write_unsplit;
        r.moveOutput += t.output;
        const asZai = this.onZai(e);
        r.moveCost.add(asZai.cost);
        if (this.inCredits) {
          const credits = attemptCredits(asZai.tokens, asZai.pricedAs);
          if (credits === undefined) r.moveNoRate++;
          else r.moveCredits += Math.round(credits * 10_000);
        }
      }
    }
    if (e.ts < r.first) r.first = e.ts;
    if (e.ts > r.last) r.last = e.ts;
  }

  /** The tally of a later part of the log (only its fields are read: a structured copy will do). */
  absorb(o: AttributionTally): void {
    for (const [label, x] of o.rows) {
      let r = this.rows.get(label);
      if (!r) this.rows.set(label, (r = new Row()));
      r.attempts += x.attempts;
      for (const [lane, n] of Object.entries(x.lanes)) r.lanes[lane] = (r.lanes[lane] ?? 0) + n;
      for (const k of Object.keys(r.tokens) as (keyof Row['tokens'])[]) r.tokens[k] += x.tokens[k];
      r.cost.merge(x.cost);
      r.saved.merge(x.saved);
      r.moveAttempts += x.moveAttempts;
      r.moveInput += x.moveInput;
      r.moveOutput += x.moveOutput;
      r.moveCost.merge(x.moveCost);
      r.moveCredits += x.moveCredits;
      r.moveNoRate += x.moveNoRate;
      r.movable ||= x.movable;
      r.first = Math.min(r.first, x.first);
      r.last = Math.max(r.last, x.last);
    }
  }

  /** Rows by cost, highest first (then by label). */
  result(): Record<string, AttributionRow> {
    const rows = [...this.rows].sort(([a, x], [b, y]) =>
      y.cost.pico > x.cost.pico ? 1 : y.cost.pico < x.cost.pico ? -1 : a.localeCompare(b),
    );
    return Object.fromEntries(
      rows.map(([k, r]) => [
        k,
        {
          attempts: r.attempts,
          lanes: { ...r.lanes },
          tokens: { ...r.tokens },
          cost: r.cost.figure(),
          saved: r.saved.figure(),
          ...(r.movable
            ? {
                would_move: {
                  attempts: r.moveAttempts,
                  input: r.moveInput,
                  output: r.moveOutput,
                  cost_on_zai: r.moveCost.figure(),
                  ...(this.inCredits ? { credits_on_zai: r.moveCredits / 10_000, credits_no_rate: r.moveNoRate } : {}),
                },
              }
            : {}),
          first_ts: r.first,
          last_ts: r.last,
        },
      ]),
    );
  }
}

// What one completed attempt cost, and on the Z.AI lane what the same tokens would have cost at the
// Claude model's Anthropic price. Pure and exact: whole pico-dollars (BigInt), never floats.
import type { UsageRecord } from './log-schema.js';
import { loadPriceBook, zaiModelFor, type Price, type PicoRates, type Pricing } from './prices.js';

export type { Pricing, ZaiBilling } from './prices.js';

/** The shipped prices, Z.AI paid per token: what readers use when no configuration is given. */
export function shippedPricing(): Pricing {
  return { book: loadPriceBook(undefined), zaiBilling: 'payg' };
}

export interface TokenCounts {
  input: number;
  output: number;
  cache_read: number;
  cache_write_5m: number;
  cache_write_1h: number;
  /** Cache writes the upstream did not split by lifetime: priced at the 5-minute rate (the API's default). */
  cache_write_unsplit: number;
}

type CostFields = Pick<
  UsageRecord,
  | 'lane'
  | 'model'
  | 'upstream_model'
  | 'input_tokens'
  | 'output_tokens'
  | 'cache_read_input_tokens'
  | 'cache_creation_input_tokens'
  | 'cache_creation_5m_input_tokens'
  | 'cache_creation_1h_input_tokens'
>;

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

export function tokensOf(r: Partial<CostFields>): TokenCounts {
  const total = count(r.cache_creation_input_tokens);
  const m5 = count(r.cache_creation_5m_input_tokens);
  const h1 = count(r.cache_creation_1h_input_tokens);
  return {
    input: count(r.input_tokens),
    output: count(r.output_tokens),
    cache_read: count(r.cache_read_input_tokens),
    cache_write_5m: m5,
    cache_write_1h: h1,
    cache_write_unsplit: Math.max(0, total - m5 - h1),
  };
}

export function hasTokens(t: TokenCounts): boolean {
  return t.input + t.output + t.cache_read + t.cache_write_5m + t.cache_write_1h + t.cache_write_unsplit > 0;
}

/** Pico-dollars for these tokens at this price; a long prompt moves every token of the request to the long-prompt rates. */
export function costAt(price: Price, t: TokenCounts): bigint {
  const prompt = t.input + t.cache_read + t.cache_write_5m + t.cache_write_1h + t.cache_write_unsplit;
  const r: PicoRates = price.long && prompt > price.long.overTokens ? price.long.rates : price.rates;
  const cacheWrite5m = t.cache_write_5m + t.cache_write_unsplit;
  // Every term is a product of non-negative integers, so when the sum is a safe integer each term
  // and each partial sum was exact too; only beyond 2^53 pico-dollars (≈ $9000 in one request) is
  // BigInt needed. The fast path keeps summarize over a million lines within its time budget.
  const sum =
    t.input * r.input +
    t.output * r.output +
    t.cache_read * r.cache_read +
    cacheWrite5m * r.cache_write_5m +
    t.cache_write_1h * r.cache_write_1h;
  if (sum <= Number.MAX_SAFE_INTEGER) return BigInt(sum);
  const n = BigInt;
  return (
    n(t.input) * n(r.input) +
    n(t.output) * n(r.output) +
    n(t.cache_read) * n(r.cache_read) +
    n(cacheWrite5m) * n(r.cache_write_5m) +
    n(t.cache_write_1h) * n(r.cache_write_1h)
  );
}

export interface AttemptCost {
  tokens: TokenCounts;
  /** What the attempt cost on its lane (pico-dollars); undefined when its model has no price. */
  cost?: bigint;
  /** The model id the cost was looked up by (for Z.AI: the GLM model it ran as). */
  pricedAs?: string;
  /** Z.AI lane: the same tokens at the requested Claude model's Anthropic price; undefined when that has no price. */
  asClaude?: bigint;
}

/** The cost of one completed attempt. Attempts without tokens cost nothing and need no price. */
export function attemptCost(r: Partial<CostFields>, pricing: Pricing): AttemptCost {
  // Built field by field rather than by spreads: summarize calls this once per log line.
  const tokens = tokensOf(r);
  const out: AttemptCost = { tokens };
  const zai = r.lane === 'zai';
  if (!hasTokens(tokens)) {
    out.cost = 0n;
    if (zai) out.asClaude = 0n;
    return out;
  }
  const claude = pricing.book.find('anthropic', r.model);
  if (!zai) {
    if (claude) {
      out.cost = costAt(claude, tokens);
      out.pricedAs = claude.entry.model;
    }
    return out;
  }
  if (claude) out.asClaude = costAt(claude, tokens);
  const glm = zaiModelFor(r.model, r.upstream_model);
  if (pricing.zaiBilling === 'plan') {
    out.cost = 0n;
    if (glm) out.pricedAs = glm;
    return out;
  }
  const price = pricing.book.find('zai', glm);
  if (price) {
    out.cost = costAt(price, tokens);
    out.pricedAs = price.entry.model;
  }
  return out;
}

/** What one Z.AI-lane attempt saved (its Claude price minus its Z.AI cost): defined only when both are known. */
export function savedBy(c: AttemptCost): bigint | undefined {
  return c.asClaude !== undefined && c.cost !== undefined ? c.asClaude - c.cost : undefined;
}

/**
 * What the offload did to the bill, in words that never say a negative "saved": when the Z.AI lane cost
 * more than Anthropic would have for the same requests, it says so. `saved`, `asClaude` and `onZai` are
 * exact decimals (decimalUsd). Every output that shows the saving uses this one sentence.
 */
export function savingSentence(saved: string, asClaude: string, onZai: string): { cheaper: boolean; text: string } {
  if (saved.startsWith('-'))
    return {
      cheaper: false,
      text: `the Z.AI lane cost $${saved.slice(1)} more than Anthropic would have for these requests ($${onZai} on Z.AI against $${asClaude} as Claude)`,
    };
  return {
    cheaper: true,
    text: `$${saved}: the Z.AI-lane attempts would have cost $${asClaude} as Claude and cost $${onZai} on Z.AI`,
  };
}

/** Exact dollars from pico-dollars as a decimal: `0.000123`, at least two decimals, no trailing zeros beyond them. */
export function decimalUsd(pico: bigint): string {
  const neg = pico < 0n;
  const a = neg ? -pico : pico;
  const whole = a / 1_000_000_000_000n;
  let frac = (a % 1_000_000_000_000n).toString().padStart(12, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** `$0.000123` (exact), `-$0.05` for a negative figure. */
export function formatUsd(pico: bigint): string {
  const d = decimalUsd(pico);
  return d.startsWith('-') ? `-$${d.slice(1)}` : `$${d}`;
}

/** Dollars as a JSON number (the nearest double to the exact figure). */
export function usd(pico: bigint): number {
  const neg = pico < 0n;
  const a = neg ? -pico : pico;
  const v = Number(a / 1_000_000_000_000n) + Number(a % 1_000_000_000_000n) / 1e12;
  return neg ? -v : v;
}

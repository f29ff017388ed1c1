// The price book: the shipped table overlaid with a user's CCP_PRICES_FILE, and the lookup of a model
// id in it. Prices are held as whole pico-dollars per token (= micro-dollars per million tokens), so
// every cost is integer arithmetic and exact.
import { readFileSync } from 'node:fs';
import { SHIPPED_PRICES, ZAI_DEFAULT_MAPPING, type PriceEntry, type PriceProvider, type Rates } from './price-table.js';

export type { PriceEntry, PriceProvider, Rates };

/** Rates in whole pico-dollars per token (integers: a rate has at most six decimals per million tokens). */
export interface PicoRates {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
}

export interface Price {
  entry: PriceEntry;
  rates: PicoRates;
  long?: { overTokens: number; rates: PicoRates };
}

const RATE_FIELDS = ['input', 'output', 'cache_write_5m', 'cache_write_1h', 'cache_read'] as const;

/** Dollars per million tokens (at most six decimals) → whole pico-dollars per token. */
function pico(dollarsPerMTok: number): number {
  return Math.round(dollarsPerMTok * 1e6);
}

function picoRates(r: Rates): PicoRates {
  return {
    input: pico(r.input),
    output: pico(r.output),
    cache_write_5m: pico(r.cache_write_5m),
    cache_write_1h: pico(r.cache_write_1h),
    cache_read: pico(r.cache_read),
  };
}

/** Lower case, without Claude Code's `[1m]` context suffix. */
export function normalizeModelId(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/\[[^\]]*\]$/, '');
}

/** `key` names `model` when the rest of the id is nothing or a date suffix (`-20251001`). */
function keyMatches(key: string, model: string): boolean {
  if (!model.startsWith(key)) return false;
  const rest = model.slice(key.length);
  return rest === '' || /^-\d{8}$/.test(rest) || rest === '-latest';
}

/** How the Z.AI lane is paid: per token (`payg`), or a flat plan whose marginal cost is 0 (`plan`). */
export type ZaiBilling = 'payg' | 'plan';

/** The prices and the billing the cost figures use (Config.pricing). */
export interface Pricing {
  book: PriceBook;
  zaiBilling: ZaiBilling;
}

export class PriceBook {
  private readonly byProvider = new Map<PriceProvider, Price[]>();
  /** Lookups by the id as logged, per provider: summarize asks once per log line. */
  private readonly cache = new Map<PriceProvider, Map<string, Price | null>>();

  /** `origin` says where the prices came from: "shipped", or the user's file on top of them. */
  constructor(
    entries: readonly PriceEntry[],
    readonly origin: string,
  ) {
    // Later entries (the user's) replace earlier ones for the same provider and model.
    const merged = new Map<string, PriceEntry>();
    for (const e of entries)
      merged.set(`${e.provider}\0${normalizeModelId(e.model)}`, { ...e, model: normalizeModelId(e.model) });
    for (const e of merged.values()) {
      const list = this.byProvider.get(e.provider) ?? [];
      list.push({
        entry: e,
        rates: picoRates(e.rates),
        ...(e.long_prompt
          ? { long: { overTokens: e.long_prompt.over_tokens, rates: picoRates(e.long_prompt.rates) } }
          : {}),
      });
      this.byProvider.set(e.provider, list);
    }
    // Longest key first, so `claude-opus-4-1` wins over `claude-opus-4`.
    for (const list of this.byProvider.values()) list.sort((a, b) => b.entry.model.length - a.entry.model.length);
  }

  entries(): PriceEntry[] {
    return [...this.byProvider.values()].flat().map((p) => p.entry);
  }

  /** The price of `model` at `provider`, or undefined: a model with no price is never guessed. */
  find(provider: PriceProvider, model: string | undefined): Price | undefined {
    if (!model) return undefined;
    let seen = this.cache.get(provider);
    if (!seen) this.cache.set(provider, (seen = new Map()));
    const hit = seen.get(model);
    if (hit !== undefined) return hit ?? undefined;
    const id = normalizeModelId(model);
    const found = this.byProvider.get(provider)?.find((p) => keyMatches(p.entry.model, id));
    if (seen.size < 1000) seen.set(model, found ?? null);
    return found;
  }
}

/**
 * The Z.AI model a Z.AI-lane request ran as: the id the proxy sent (`upstream_model`, from
 * ZAI_MODEL_MAP), else Z.AI's default mapping of the Claude id it received.
 */
export function zaiModelFor(model: string | undefined, upstreamModel: string | undefined): string | undefined {
  if (upstreamModel) return upstreamModel;
  if (!model) return undefined;
  let glm = zaiDefaultByModel.get(model);
  if (glm !== undefined) return glm ?? undefined;
  const id = normalizeModelId(model);
  glm = id.startsWith('claude') ? ZAI_DEFAULT_MAPPING.find((m) => id.includes(m.family))?.model : id;
  if (zaiDefaultByModel.size < 1000) zaiDefaultByModel.set(model, glm ?? null);
  return glm;
}

/** zaiModelFor's answers by the id as logged: a log holds a handful of model ids. */
const zaiDefaultByModel = new Map<string, string | null>();

export class PriceFileError extends Error {}

function checkRates(r: unknown, where: string): Rates {
  if (!r || typeof r !== 'object')
    throw new PriceFileError(`${where}: expected an object with ${RATE_FIELDS.join(', ')}`);
  const o = r as Record<string, unknown>;
  const out = {} as Rates;
  for (const f of RATE_FIELDS) {
    const v = o[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new PriceFileError(`${where}: "${f}" must be a number of dollars per million tokens, 0 or more`);
    if (Math.abs(v * 1e6 - Math.round(v * 1e6)) > 1e-6)
      throw new PriceFileError(`${where}: "${f}" has more than six decimals`);
    out[f] = v;
  }
  return out;
}

/**
 * A user's price file: `{"entries": [{"provider": "anthropic"|"zai", "model": "…", "input": 1,
 * "output": 5, "cache_write_5m": 1.25, "cache_write_1h": 2, "cache_read": 0.1, "source": "…",
 * "checked": "YYYY-MM-DD", "long_prompt": {"over_tokens": 200000, "input": …}}]}`.
 */
export function parsePriceFile(text: string, path: string): PriceEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PriceFileError(`${path}: not JSON (${(e as Error).message})`);
  }
  const entries = (json as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw new PriceFileError(`${path}: expected {"entries": [...]}`);
  return entries.map((raw, i) => {
    const where = `${path}: entries[${i}]`;
    const e = (raw ?? {}) as Record<string, unknown>;
    if (e.provider !== 'anthropic' && e.provider !== 'zai')
      throw new PriceFileError(`${where}: "provider" must be "anthropic" or "zai"`);
    if (typeof e.model !== 'string' || !e.model.trim())
      throw new PriceFileError(`${where}: "model" must be a model id`);
    const lp = e.long_prompt as Record<string, unknown> | undefined;
    if (
      lp !== undefined &&
      (typeof lp?.over_tokens !== 'number' || !Number.isInteger(lp.over_tokens) || lp.over_tokens < 1)
    ) {
      throw new PriceFileError(`${where}: "long_prompt.over_tokens" must be a whole number of tokens`);
    }
    return {
      provider: e.provider,
      model: e.model,
      rates: checkRates(e, where),
      ...(lp
        ? { long_prompt: { over_tokens: lp.over_tokens as number, rates: checkRates(lp, `${where}.long_prompt`) } }
        : {}),
      source: typeof e.source === 'string' ? e.source : path,
      checked: typeof e.checked === 'string' ? e.checked : 'unknown',
    };
  });
}

/** The shipped table, with the user's file (CCP_PRICES_FILE) on top when one is named. */
export function loadPriceBook(pricesFile: string | undefined): PriceBook {
  if (!pricesFile) return new PriceBook(SHIPPED_PRICES, 'shipped');
  let text: string;
  try {
    text = readFileSync(pricesFile, 'utf8');
  } catch (e) {
    throw new PriceFileError(
      `CCP_PRICES_FILE: cannot read ${pricesFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return new PriceBook([...SHIPPED_PRICES, ...parsePriceFile(text, pricesFile)], `shipped + ${pricesFile}`);
}

// The price table that ships with the kit: list prices in US dollars per million tokens, each entry
// with where it was read and when. docs/COST.md shows the same table (a test keeps them equal) and says
// what is not known. A user's CCP_PRICES_FILE overrides or extends it (prices.ts).

/** Dollars per million tokens, as the provider publishes them. */
export interface Rates {
  input: number;
  output: number;
  /** Cache write with the default 5-minute lifetime. */
  cache_write_5m: number;
  /** Cache write with the 1-hour lifetime. */
  cache_write_1h: number;
  cache_read: number;
}

export type PriceProvider = 'anthropic' | 'zai';

export interface PriceEntry {
  provider: PriceProvider;
  /** A model id without its date suffix: `claude-haiku-4-5` prices `claude-haiku-4-5-20251001` too. */
  model: string;
  rates: Rates;
  /** A request whose prompt (input + cache reads + cache writes) is over `over_tokens` pays these rates on all of its tokens. */
  long_prompt?: { over_tokens: number; rates: Rates };
  source: string;
  /** The day the source was read (YYYY-MM-DD). */
  checked: string;
}

const ANTHROPIC_PRICING = 'https://platform.claude.com/docs/en/about-claude/pricing';
const CHECKED = '2026-12-05';

/** Anthropic's cache multipliers: 5-minute write 1.25×, 1-hour write 2×, read 0.1× the input price. */
function anthropic(
  model: string,
  input: number,
  output: number,
  cacheRead = round6(input / 10),
  source = ANTHROPIC_PRICING,
): PriceEntry {
  return {
    provider: 'anthropic',
    model,
    rates: {
      input,
      output,
      cache_write_5m: round6(input * 1.25),
      cache_write_1h: round6(input * 2),
      cache_read: cacheRead,
    },
    source,
    checked: CHECKED,
  };
}

/** Six decimals are the table's precision (micro-dollars per million tokens). */
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Z.AI: cache storage is free ("limited-time free"), so a cache write costs nothing; cache hits have their own price. */
function zai(
  model: string,
  input: number,
  output: number,
  cacheRead: number,
  source: string,
  checked = CHECKED,
): PriceEntry {
  return {
    provider: 'zai',
    model,
    rates: { input, output, cache_write_5m: 0, cache_write_1h: 0, cache_read: cacheRead },
    source,
    checked,
  };
}

const SONNET_4_LONG = {
  over_tokens: 200_000,
  rates: { input: 6, output: 22.5, cache_write_5m: 7.5, cache_write_1h: 12, cache_read: 0.6 },
};

export const SHIPPED_PRICES: readonly PriceEntry[] = [
  // Anthropic list prices (the pricing page's model table; model overview pages for the 5.x family).
  anthropic('claude-fable-5-1', 10, 50, 0.25),
  anthropic('claude-mythos-5-1', 10, 50, 0.25),
  anthropic('claude-fable-5', 10, 50, 1),
  anthropic('claude-mythos-5', 10, 50, 1),
  {
    ...anthropic('claude-opus-5-5', 4, 20, 0.2),
    source: `${ANTHROPIC_PRICING}; https://platform.claude.com/docs/en/models/opus-5-5/overview`,
  },
  anthropic('claude-opus-5', 5, 25),
  anthropic('claude-opus-4-8', 5, 25),
  anthropic('claude-opus-4-7', 5, 25),
  anthropic('claude-opus-4-6', 5, 25),
  anthropic('claude-opus-4-5', 5, 25),
  anthropic('claude-opus-4-1', 15, 75),
  anthropic('claude-opus-4', 15, 75),
  // Sonnet 5.5's cache reads were cut from $0.20 to $0.10 on 2026-10-07 (pricing page; kurofune/claudit v1.9.2 release notes).
  {
    ...anthropic('claude-sonnet-5-5', 2, 10, 0.1),
    source: `${ANTHROPIC_PRICING}; https://platform.claude.com/docs/en/models/sonnet-5-5/overview; https://github.com/kurofune/claudit/releases/tag/v1.9.2`,
  },
  {
    ...anthropic('claude-sonnet-5', 2, 10),
    source: `${ANTHROPIC_PRICING}; https://platform.claude.com/docs/en/models/sonnet-5/overview`,
  },
  anthropic('claude-sonnet-4-6', 3, 15),
  {
    ...anthropic('claude-sonnet-4-5', 3, 15),
    long_prompt: SONNET_4_LONG,
    source: `${ANTHROPIC_PRICING} (model table; long context pricing)`,
  },
  {
    ...anthropic('claude-sonnet-4', 3, 15),
    long_prompt: SONNET_4_LONG,
    source: `${ANTHROPIC_PRICING} (model table; long context pricing)`,
  },
  anthropic('claude-3-7-sonnet', 3, 15),
  // Haiku 5.5 is priced by prompt length: over 100,000 prompt tokens every token of the request pays the higher band.
  {
    provider: 'anthropic',
    model: 'claude-haiku-5-5',
    rates: { input: 0.1, output: 0.5, cache_write_5m: 0.125, cache_write_1h: 0.2, cache_read: 0.01 },
    long_prompt: {
      over_tokens: 100_000,
      rates: { input: 0.5, output: 2.5, cache_write_5m: 0.625, cache_write_1h: 1, cache_read: 0.05 },
    },
    source: `${ANTHROPIC_PRICING}; https://github.com/kurofune/claudit/releases/tag/v1.9.2; https://github.com/TheKrush/PromptFuel/releases/tag/v1.0.23`,
    checked: CHECKED,
  },
  anthropic('claude-haiku-4-5', 1, 5),
  anthropic('claude-3-5-haiku', 0.8, 4),
  {
    provider: 'anthropic',
    model: 'claude-3-haiku',
    rates: { input: 0.25, output: 1.25, cache_write_5m: 0.3, cache_write_1h: 0.5, cache_read: 0.03 },
    source: ANTHROPIC_PRICING,
    checked: CHECKED,
  },

  // Z.AI pay-as-you-go (api.z.ai, USD). Z.AI's own price page is not in the searchable sources; these
  // are the figures gateways that resell Z.AI publish for the Z.AI provider. docs/COST.md says so.
  zai(
    'glm-4.5-air',
    0.2,
    1.1,
    0.03,
    'https://vercel.com/ai-gateway/models/glm-4.5-air/providers (provider Z.ai); https://opencode.ai/data/zhipuai/glm-4-5-air.json',
  ),
  zai(
    'glm-4.6',
    0.6,
    2.2,
    0.11,
    'https://docs.wolffi.sh/configuration/zai.md; https://getmaxim.ai/bifrost/llm-cost-calculator/provider/zai/model/glm-4.6',
  ),
  zai('glm-4.7', 0.6, 2.2, 0.11, 'https://docs.wolffi.sh/configuration/zai.md'),
  zai('glm-5', 1, 3.2, 0.2, 'https://docs.wolffi.sh/configuration/zai.md'),
  zai(
    'glm-5-turbo',
    1.2,
    4,
    0.24,
    'https://docs.wolffi.sh/configuration/zai.md; https://vercel.com/ai-gateway/models/glm-4.5-air/similar (Z.ai row)',
  ),
  zai('glm-5.1', 1.4, 4.4, 0.26, 'https://docs.wolffi.sh/configuration/zai.md'),
  zai('glm-5.2', 1.4, 4.4, 0.26, 'https://docs.wolffi.sh/configuration/zai.md'),
  // On the pay-as-you-go API since 2026-08-19, at GLM-5.2's rates.
  zai(
    'glm-5.3',
    1.4,
    4.4,
    0.26,
    'https://github.com/VladoIvankovic/Codeep/releases/tag/v2.20.0; https://openrouter.ai/~z-ai/glm-latest/api',
    '2026-12-07',
  ),
  zai(
    'glm-5.3-flash',
    0.15,
    0.5,
    0.03,
    'https://docs.sim.ai/models/zai; Codeep v2.25.0; gajae-code PR #5026',
    '2026-12-07',
  ),
  // GLM-5.4 launched Coding-Plan only (2026-11-24): no per-token price is published, so none is shipped.
];

/**
 * What a Claude model id sent unchanged to Z.AI runs as there: Z.AI maps Claude Code's Haiku to
 * GLM-4.5-Air and Sonnet/Opus to GLM-4.7 by default (docs.z.ai/devpack/faq).
 */
export const ZAI_DEFAULT_MAPPING: readonly { family: string; model: string }[] = [
  { family: 'haiku', model: 'glm-4.5-air' },
  { family: 'sonnet', model: 'glm-4.7' },
  { family: 'opus', model: 'glm-4.7' },
];

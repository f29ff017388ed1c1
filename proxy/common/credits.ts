// What a Z.AI-lane request spent of a credit-based GLM Coding Plan (the plans sold since 2026-07-30).
// Z.AI's formula (docs.z.ai/devpack/overview#usage-instruction, as quoted in omacom/omarchy PR #7566,
// 2026-08-23, and for GLM-5.3 in KiwiGaze/glm-for-copilot PR #40): credits = (input × a + cached input
// × b + output × c) / 10,000, with per-model multipliers. What is not known is said, not guessed: no
// published rate for GLM-4.5-Air (Claude Code's Haiku default) or GLM-5.4; cache writes have no listed
// rate and are counted as plain input (the conservative reading); the off-peak discount (one source says
// 50 % outside Mon–Fri 14:00–18:00 UTC+8; others disagree) is not applied — figures are at the full rate. Pure.
import type { TokenCounts } from './cost.js';

/** Multipliers per GLM model: [input, cached input, output]. GLM-5.1 and 5.2 are served as 5.3 and billed at its rate. */
export const CREDIT_RATES: Readonly<Record<string, readonly [number, number, number]>> = {
  'glm-5.3': [6.9, 1.7, 24],
  'glm-5.2': [6.9, 1.7, 24],
  'glm-5.1': [6.9, 1.7, 24],
  'glm-5-turbo': [5.7, 1.5, 21],
  'glm-4.7': [4.6, 1.2, 16],
};

export const CREDITS_CHECKED = '2026-12-06';

/** Credits one attempt spent, to 0.0001; undefined when the GLM model has no published rate. */
export function attemptCredits(tokens: TokenCounts, glmModel: string | undefined): number | undefined {
  const rate = glmModel ? CREDIT_RATES[glmModel.toLowerCase()] : undefined;
  if (!rate) return undefined;
  const input = tokens.input + tokens.cache_write_5m + tokens.cache_write_1h + tokens.cache_write_unsplit;
  return (
    Math.round(((input * rate[0] + tokens.cache_read * rate[1] + tokens.output * rate[2]) / 10_000) * 10_000) / 10_000
  );
}

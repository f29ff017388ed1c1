// The lane decision: a pure function of the request and the toggles (docs/CONTRACT.md §1).
import type { Decision, Lane } from '../../common/log-schema.js';
import { isHaikuModel } from '../../common/models.js';
import { PROBE_LABEL, type AccountProbe } from './account-probe.js';
import { isMessagesPath } from './api-paths.js';

export interface DecideInput {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The `model` field of the JSON body, when there is one. */
  model: string | undefined;
  forceHaikuToZai: boolean;
  paused: boolean;
  hasZaiKey: boolean;
  zaiCoolingDown: boolean;
  /** CCP_FALLBACK: may Anthropic answer a Haiku request because of Z.AI's state? */
  fallback: boolean;
  /** Why the Z.AI lane is cooling down, for the reason sentence. */
  zaiCooldownReason?: string;
  /** The body is one of Claude Code's account probes (account-probe.ts). */
  accountProbe?: AccountProbe;
}

export interface LaneDecision {
  lane: Lane;
  decision: Decision;
  /** One short human sentence, shown on the console line, in the log and by verify-routing. */
  reason: string;
}

export function decide(input: DecideInput): LaneDecision {
  if (!isMessagesPath(input.method, input.path)) {
    return { lane: 'anthropic', decision: 'pass_through', reason: `${input.method} ${input.path} → anthropic lane` };
  }
  if (!isHaikuModel(input.model)) {
    const what = input.model ? `${input.model}` : 'no model in body';
    return { lane: 'anthropic', decision: 'pass_through', reason: `${what} → anthropic lane` };
  }
  if (input.accountProbe) {
    // Its answer is about the user's Anthropic account (quota headers, key, model access): Z.AI cannot give it.
    return {
      lane: 'anthropic',
      decision: 'account_probe',
      reason: `haiku ${PROBE_LABEL[input.accountProbe]} → anthropic lane (it asks about the Anthropic account)`,
    };
  }
  if (input.paused) {
    return { lane: 'anthropic', decision: 'failover_paused', reason: 'haiku, offload paused → anthropic lane' };
  }
  if (!input.forceHaikuToZai) {
    return { lane: 'anthropic', decision: 'offload_off', reason: 'haiku, FORCE_HAIKU_TO_ZAI=0 → anthropic lane' };
  }
  if (!input.hasZaiKey) {
    return { lane: 'anthropic', decision: 'no_zai_key', reason: 'haiku, no ZAI_API_KEY → anthropic lane' };
  }
  if (input.zaiCoolingDown) {
    const why = input.zaiCooldownReason ? ` (${input.zaiCooldownReason})` : '';
    // Without fallback the user said Anthropic never answers for Z.AI: the proxy answers at once instead.
    if (!input.fallback)
      return {
        lane: 'zai',
        decision: 'cooldown',
        reason: `haiku, z.ai lane cooling down${why}, CCP_FALLBACK=0 → error from the proxy, not anthropic`,
      };
    return { lane: 'anthropic', decision: 'cooldown', reason: `haiku, z.ai lane cooling down${why} → anthropic lane` };
  }
  return { lane: 'zai', decision: 'forced_model', reason: 'haiku model → zai lane' };
}

// The lane decision: a pure function of the request and the toggles (docs/CONTRACT.md §1).
import type { OffloadPolicy } from '../../common/config.js';
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
  /** What goes to the Z.AI lane now (CCP_OFFLOAD, switched live by npm run offload). */
  offload: Readonly<OffloadPolicy>;
  paused: boolean;
  hasZaiKey: boolean;
  zaiCoolingDown: boolean;
  /** The subagent type (or '?') when the request comes from a Claude Code subagent's thread; undefined on the main thread. */
  subagent?: string;
  /** CCP_FALLBACK: may Anthropic answer a Haiku request because of Z.AI's state? */
  fallback: boolean;
  /** Why the Z.AI lane is cooling down, for the reason sentence. */
  zaiCooldownReason?: string;
  /** The body is one of Claude Code's account probes (account-probe.ts). */
  accountProbe?: AccountProbe;
  /**
   * The request continues a Message Thread (`thread: {type: "continue"}`): which lane answered the
   * message it continues, as far as this proxy saw ('unknown' when it did not see it answered).
   */
  continuesThreadOf?: Lane | 'unknown';
  /** CCP_OVERFLOW=main and the subscription's window is spent: which one, and until when. */
  overflow?: { window: string; untilMs: number };
  /** The Anthropic subscription's busiest window now (5h, 7d, …), when an answer has reported one. */
  subscriptionBusiest?: { name: string; pct: number };
  /** The Z.AI lane's in-flight slots (zai-capacity.ts); absent means room. */
  zaiCapacity?: { hasRoom: boolean; inFlight: number; limit: number | undefined };
}

export interface LaneDecision {
  lane: Lane;
  decision: Decision;
  /** One short human sentence, shown on the console line, in the log and by verify-routing. */
  reason: string;
}

/**
 * A request that is offloaded unless something holds it back: paused, no key, a cooldown. `what` names
 * it in the reason sentence ("haiku", "subagent (Explore) claude-sonnet-4-5").
 */
function toZaiUnlessHeld(
  input: DecideInput,
  what: string,
  decision: 'forced_model' | 'subagent_to_zai',
  why: string,
): LaneDecision {
  if (input.paused)
    return { lane: 'anthropic', decision: 'failover_paused', reason: `${what}, offload paused → anthropic lane` };
  if (!input.hasZaiKey)
    return { lane: 'anthropic', decision: 'no_zai_key', reason: `${what}, no ZAI_API_KEY → anthropic lane` };
  if (input.zaiCoolingDown) {
    const cool = input.zaiCooldownReason ? ` (${input.zaiCooldownReason})` : '';
    // Without fallback the user said Anthropic never answers for Z.AI: the proxy answers at once instead.
    if (!input.fallback)
      return {
        lane: 'zai',
        decision: 'cooldown',
        reason: `${what}, z.ai lane cooling down${cool}, CCP_FALLBACK=0 → error from the proxy, not anthropic`,
      };
    return {
      lane: 'anthropic',
      decision: 'cooldown',
      reason: `${what}, z.ai lane cooling down${cool} → anthropic lane`,
    };
  }
  if (input.continuesThreadOf !== undefined)
    // Z.AI never saw the thread: only the server that holds it can continue it.
    return {
      lane: 'anthropic',
      decision: 'thread_stays',
      reason: `${what}, continues a message thread ${input.continuesThreadOf === 'anthropic' ? 'anthropic answered' : 'not answered by z.ai here'} → anthropic lane`,
    };
  const cap = input.zaiCapacity;
  if (cap && !cap.hasRoom && input.fallback)
    return {
      lane: 'anthropic',
      decision: 'zai_busy',
      reason: `${what}, z.ai lane full (${cap.inFlight} of ${cap.limit ?? '?'} in flight) → anthropic lane`,
    };
  return { lane: 'zai', decision, reason: why };
}

export function decide(input: DecideInput): LaneDecision {
  if (!isMessagesPath(input.method, input.path)) {
    return { lane: 'anthropic', decision: 'pass_through', reason: `${input.method} ${input.path} → anthropic lane` };
  }
  if (input.continuesThreadOf === 'zai')
    // Anthropic cannot continue what Z.AI answered, and Z.AI keeps no threads: Claude Code resends it
    // whole on a 404 thread_not_found (what the pinned CLI does with that answer; docs/ZAI.md, Threads).
    return {
      lane: 'zai',
      decision: 'thread_refused',
      reason: 'continues a message thread z.ai answered → 404 thread_not_found from the proxy, resent whole',
    };
  const haiku = isHaikuModel(input.model);
  if (haiku && input.accountProbe) {
    // Its answer is about the user's Anthropic account (quota headers, key, model access): Z.AI cannot give it.
    return {
      lane: 'anthropic',
      decision: 'account_probe',
      reason: `haiku ${PROBE_LABEL[input.accountProbe]} → anthropic lane (it asks about the Anthropic account)`,
    };
  }
  const what = input.model ? `${input.model}` : 'no model in body';
  const o = input.overflow;
  if (o && !input.paused && input.hasZaiKey && !input.zaiCoolingDown && input.continuesThreadOf === undefined)
    // The subscription is spent until the reset: every request would be refused; Z.AI answers meanwhile.
    return {
      lane: 'zai',
      decision: 'overflow_to_zai',
      reason: `${what}, anthropic ${o.window} limit reached until ${new Date(o.untilMs).toISOString()}, CCP_OVERFLOW=main → zai lane`,
    };
  // A subagent's thread moves whatever model it asks for; the main conversation never does.
  const subagentOffloaded = input.subagent !== undefined && input.offload.subagents;
  if (haiku && input.offload.haiku) return toZaiUnlessHeld(input, 'haiku', 'forced_model', 'haiku model → zai lane');
  if (subagentOffloaded && input.offload.atPct > 0) {
    // Offload when it is needed: below the threshold (or not known yet) the subscription has room.
    const busiest = input.subscriptionBusiest;
    if (!busiest || busiest.pct < input.offload.atPct) {
      const window = busiest ? `anthropic ${busiest.name} at ${busiest.pct} %` : 'anthropic window not known yet';
      return {
        lane: 'anthropic',
        decision: 'below_threshold',
        reason: `subagent (${input.subagent}) ${what}, ${window} < ${input.offload.atPct} % (CCP_OFFLOAD_AT_PCT) → anthropic lane`,
      };
    }
  }
  if (subagentOffloaded) {
    const who = `subagent (${input.subagent}) ${what}`;
    const at =
      input.subscriptionBusiest && input.offload.atPct > 0
        ? `, anthropic ${input.subscriptionBusiest.name} at ${input.subscriptionBusiest.pct} % ≥ ${input.offload.atPct} %`
        : '';
    return toZaiUnlessHeld(input, who, 'subagent_to_zai', `${who}, CCP_OFFLOAD=subagents${at} → zai lane`);
  }
  if (haiku) {
    if (input.paused)
      return { lane: 'anthropic', decision: 'failover_paused', reason: 'haiku, offload paused → anthropic lane' };
    return {
      lane: 'anthropic',
      decision: 'offload_off',
      reason: 'haiku, not offloaded (FORCE_HAIKU_TO_ZAI=0 or CCP_OFFLOAD without haiku) → anthropic lane',
    };
  }
  return { lane: 'anthropic', decision: 'pass_through', reason: `${what} → anthropic lane` };
}

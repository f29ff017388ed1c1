// The settings a proxy runs with, in the run line's shape (common/log-schema.ts RunSettings). The proxy
// writes them at start; a reader with no run line to go by builds the same shape from its own shell,
// and says so. Pure.
import type { Config, OffloadPolicy } from './config.js';
import type { RunRecord, RunSettings } from './log-schema.js';

/** The offload policy as a word list: `haiku`, `subagents`, `haiku,subagents`, or '' for nothing. */
export function offloadWords(o: OffloadPolicy): string {
  return [o.haiku ? 'haiku' : '', o.subagents ? 'subagents' : ''].filter(Boolean).join(',');
}

export function runSettings(
  config: Config,
  start: {
    paused: boolean;
    pausedFrom: RunSettings['paused_from'];
    headerMode?: RunSettings['zai_header_mode'];
    /** The offload policy in force, when it differs from CCP_OFFLOAD (switched live). */
    offload?: OffloadPolicy;
  },
): RunSettings {
  return {
    zai_base_url: config.zaiBaseUrl.href,
    zai_host: config.zaiBaseUrl.host.toLowerCase(),
    anth_base_url: config.anthBaseUrl.href,
    anth_host: config.anthBaseUrl.host.toLowerCase(),
    zai_model_map: config.zaiModelMap.map((e) => `${e.match}=${e.target}`).join(','),
    zai_key_set: config.zaiApiKey !== undefined,
    zai_header_mode: start.headerMode ?? config.zaiHeaderMode,
    force_haiku_to_zai: (start.offload ?? config.offload).haiku,
    offload: offloadWords(start.offload ?? config.offload),
    offload_at_pct: (start.offload ?? config.offload).atPct,
    overflow: config.overflowMain ? 'main' : '',
    paused: start.paused,
    paused_from: start.pausedFrom,
    fallback: config.fallback,
    force_h1: config.forceH1,
    filter_chain: config.filterChain,
    body_tee: config.bodyTee,
    zai_billing: config.pricing.zaiBilling,
    zai_cooldown_s: config.zaiCooldownS,
    zai_long_cooldown_s: config.zaiLongCooldownS,
    zai_quota_stop_pct: config.zaiQuotaStopPct,
    zai_max_inflight: config.zaiMaxInflight ?? 0,
  };
}

/** What a reader's shell would start a proxy with: the stand-in when the log has no run line. */
export function shellSettings(config: Config): RunSettings {
  return runSettings(config, {
    paused: config.offloadPaused,
    pausedFrom:
      config.offloadPausedFrom === 'shell' ? 'shell' : config.offloadPausedFrom === '.env' ? '.env' : 'default',
  });
}

/** Where a reader's settings came from, said the same way by every output. */
export interface SettingsInForce {
  settings: RunSettings;
  /** e.g. "running proxy pid 4242", "run line of pid 4242 (started 2026-12-06T09:00:00Z)", "this shell (no run line in the log)". */
  source: string;
}

export function fromRunLine(r: RunRecord): SettingsInForce {
  return { settings: r, source: `the run line of pid ${r.pid} (started ${r.started_at})` };
}

export function fromShell(config: Config, why = 'no run line in the log'): SettingsInForce {
  return { settings: shellSettings(config), source: `this shell's settings (${why})` };
}

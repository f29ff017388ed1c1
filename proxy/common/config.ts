// Configuration: read and validated in one place. Nothing else in the kit reads process.env.
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { loadPriceBook, PriceFileError, type Pricing, type ZaiBilling } from './prices.js';
import {
  ConfigError,
  MILLISECONDS,
  parseBool,
  parseNumber,
  parsePercent,
  parsePort,
  parseUrl,
  pick,
  type Env,
} from './setting-parsers.js';
import {
  parseOffload,
  parseOverflow,
  parseRemoteWrite,
  type OffloadPolicy,
  type RemoteWriteSettings,
} from './policy-settings.js';

// The configuration's parts live beside it; what the rest of the kit names from here stays here.
export { SETTINGS } from './settings-list.js';
export { ConfigError } from './setting-parsers.js';
export type { OffloadPolicy, RemoteWriteSettings } from './policy-settings.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Hosts whose TLS the proxy terminates. Everything else is tunnelled untouched. */
export const INTERCEPT_HOSTS = ['api.anthropic.com'] as const;

export type HeaderMode = 'x-api-key' | 'authorization';
export const HEADER_MODES: readonly HeaderMode[] = ['x-api-key', 'authorization'];

export interface ModelMapEntry {
  /** Case-insensitive substring of the requested model id. */
  match: string;
  /** Model id sent upstream instead. */
  target: string;
}

export interface Config {
  port: number;
  zaiApiKey: string | undefined;
  zaiBaseUrl: URL;
  zaiHeaderMode: HeaderMode;
  zaiModelMap: ModelMapEntry[];
  anthBaseUrl: URL;
  anthVersion: string;
  /**
   * CCP_OFFLOAD at start: what goes to the Z.AI lane. `haiku` (the default; FORCE_HAIKU_TO_ZAI=0
   * removes it) and `subagents` (every request of a Claude Code subagent's thread, whatever its model).
   * The running proxy's policy is the toggles' (serve/lane/toggles.ts), which start from this.
   */
  offload: OffloadPolicy;
  offloadPaused: boolean;
  /**
   * Where OFFLOAD_PAUSED came from. Set in the shell it is explicit and wins over the remembered pause
   * (logs/.offload-paused); from .env or the default it only adds to it (.env.example lists OFFLOAD_PAUSED=0).
   */
  offloadPausedFrom: SettingSource;
  forceH1: boolean;
  filterChain: boolean;
  bodyTee: boolean;
  maxBodyBytes: number;
  /** Extra PEM CA trusted for upstream TLS (corporate roots, the built-in fake upstreams). */
  upstreamCaFile: string | undefined;
  logsDir: string;
  resultsDir: string;
  caDir: string;
  bundleDir: string;
  /** Where mitm and env write the sourceable terminal script. */
  envFile: string;
  /**
   * CCP_OVERFLOW=main: when Anthropic refuses for the subscription's limit (429, unified status
   * `rejected`), the request goes to Z.AI instead, and so does every request until that window resets.
   */
  overflowMain: boolean;
  /** Retry a Z.AI failure once on Anthropic before any byte reached the client. */
  fallback: boolean;
  /** Seconds Haiku stays on Anthropic after a Z.AI rate, overload or network failure (or a quota without a reset time); 0 disables. */
  zaiCooldownS: number;
  /** Seconds Haiku stays on Anthropic after Z.AI rejected the key, the plan or the model; 0 disables. */
  zaiLongCooldownS: number;
  /**
   * CCP_ZAI_MAX_INFLIGHT: at most this many requests in flight on the Z.AI lane (the plan's concurrency
   * limit, when the user knows it); undefined (the default, 0) learns it from Z.AI's 1302 refusals.
   */
  zaiMaxInflight: number | undefined;
  connectTimeoutMs: number;
  /** Streaming requests: how long to wait for the upstream's response headers. */
  firstByteTimeoutMs: number;
  /** Non-streaming requests: the headers come only with the whole answer. */
  nonstreamTimeoutMs: number;
  /** Longest silence between two body chunks of a response. */
  idleTimeoutMs: number;
  logMaxBytes: number;
  logKeep: number;
  /** Threads the log readers use; 0: one per core (logs under 16 MB on one). */
  readThreads: number;
  /** The price book (shipped, or with CCP_PRICES_FILE on top) and how the Z.AI lane is paid (ZAI_BILLING). */
  pricing: Pricing;
  /** Seconds between reads of the Z.AI plan's quota while Haiku traffic flows; 0 never reads it. */
  zaiQuotaPollS: number;
  /** A quota window used up to this percentage sends Haiku to Anthropic until it resets; 0 never does. */
  zaiQuotaStopPct: number;
  /** CCP_REMOTE_WRITE_*: push /__ccp/metrics' series to a Prometheus remote_write receiver; undefined: off. */
  remoteWrite: RemoteWriteSettings | undefined;
  /** Credential values present in this environment (the Z.AI key, Anthropic keys and tokens): redacted wherever they appear. */
  knownSecrets: string[];
}

/** Where a setting's value came from: the process environment (the shell, or inline), `.env`, or the default. */
export type SettingSource = 'shell' | '.env' | 'default';

/** An empty variable counts as unset: `ZAI_API_KEY=` in the shell must not hide the key in `.env`. */
function nonEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

const ZAI_BILLINGS: readonly ZaiBilling[] = ['payg', 'plan'];

function parsePricing(env: Env, root: string): Pricing {
  const billing = pick(env, 'ZAI_BILLING').toLowerCase();
  if (!ZAI_BILLINGS.includes(billing as ZaiBilling)) {
    throw new ConfigError(
      'ZAI_BILLING',
      `invalid value "${env.ZAI_BILLING}"; allowed: payg (pay per token) | plan (a flat GLM Coding Plan: Z.AI tokens cost 0 at the margin)`,
    );
  }
  const file = env.CCP_PRICES_FILE?.trim();
  try {
    return { book: loadPriceBook(file ? expandPath(file, root) : undefined), zaiBilling: billing as ZaiBilling };
  } catch (e) {
    if (e instanceof PriceFileError)
      throw new ConfigError('CCP_PRICES_FILE', e.message.replace(/^CCP_PRICES_FILE: /, ''));
    throw e;
  }
}

export function parseModelMap(raw: string, name = 'ZAI_MODEL_MAP'): ModelMapEntry[] {
  if (raw.trim() === '') return [];
  return raw.split(',').map((pair) => {
    const [match, target, ...rest] = pair.split('=').map((s) => s.trim());
    if (!match || !target || rest.length > 0) {
      throw new ConfigError(
        name,
        `invalid entry "${pair.trim()}"; allowed: comma-separated substring=model pairs, e.g. haiku=glm-4.5-air`,
      );
    }
    return { match: match.toLowerCase(), target };
  });
}

function expandPath(raw: string, base: string): string {
  const withHome = raw === '~' || raw.startsWith('~/') ? join(homedir(), raw.slice(1)) : raw;
  return isAbsolute(withHome) ? withHome : resolve(base, withHome);
}

/** Pure: turn an environment record into a validated Config. Relative paths resolve from the repo root, never the cwd. */
export function parseConfig(env: Env, root = REPO_ROOT): Config {
  const headerMode = pick(env, 'ZAI_HEADER_MODE').toLowerCase();
  if (!HEADER_MODES.includes(headerMode as HeaderMode)) {
    throw new ConfigError(
      'ZAI_HEADER_MODE',
      `invalid value "${env.ZAI_HEADER_MODE}"; allowed: ${HEADER_MODES.join(' | ')}`,
    );
  }
  const maxMbRaw = pick(env, 'CCP_MAX_BODY_MB');
  const maxMb = Number(maxMbRaw);
  if (!Number.isFinite(maxMb) || maxMb <= 0) {
    throw new ConfigError('CCP_MAX_BODY_MB', `invalid value "${maxMbRaw}"; allowed: a positive number of megabytes`);
  }
  const key = env.ZAI_API_KEY?.trim();
  const upstreamCa = env.CCP_UPSTREAM_CA?.trim();
  const upstreamCaFile = upstreamCa ? expandPath(upstreamCa, root) : undefined;
  if (upstreamCaFile && !existsSync(upstreamCaFile)) {
    throw new ConfigError(
      'CCP_UPSTREAM_CA',
      `file not found: ${upstreamCaFile}; allowed: a path to a PEM certificate file`,
    );
  }
  return {
    port: parsePort(env, 'MITM_PORT'),
    zaiApiKey: key ? key : undefined,
    zaiBaseUrl: parseUrl(env, 'ZAI_BASE_URL'),
    zaiHeaderMode: headerMode as HeaderMode,
    zaiModelMap: parseModelMap(pick(env, 'ZAI_MODEL_MAP')),
    anthBaseUrl: parseUrl(env, 'ANTH_BASE_URL'),
    anthVersion: pick(env, 'ANTH_VERSION'),
    offload: parseOffload(env),
    offloadPaused: parseBool(env, 'OFFLOAD_PAUSED'),
    offloadPausedFrom: 'default',
    forceH1: parseBool(env, 'MITM_FORCE_H1'),
    filterChain: parseBool(env, 'MITM_FILTER_CHAIN'),
    bodyTee: parseBool(env, 'ENABLE_BODY_TEE'),
    maxBodyBytes: Math.floor(maxMb * 1024 * 1024),
    upstreamCaFile,
    logsDir: expandPath(pick(env, 'CCP_LOGS_DIR'), root),
    resultsDir: expandPath(pick(env, 'CCP_RESULTS_DIR'), root),
    caDir: expandPath(pick(env, 'CCP_CA_DIR'), root),
    bundleDir: expandPath(pick(env, 'BUNDLE_DIR'), root),
    envFile: expandPath(pick(env, 'CCP_ENV_FILE'), root),
    fallback: parseBool(env, 'CCP_FALLBACK'),
    overflowMain: parseOverflow(env),
    remoteWrite: parseRemoteWrite(env),
    zaiCooldownS: parseNumber(env, 'CCP_ZAI_COOLDOWN_S', { min: 0, what: 'seconds, 0 or more (0 disables)' }),
    zaiLongCooldownS: parseNumber(env, 'CCP_ZAI_LONG_COOLDOWN_S', { min: 0, what: 'seconds, 0 or more (0 disables)' }),
    zaiMaxInflight:
      parseNumber(env, 'CCP_ZAI_MAX_INFLIGHT', {
        min: 0,
        integer: true,
        what: 'a whole number of requests, 0 or more (0 learns the limit from Z.AI)',
      }) || undefined,
    connectTimeoutMs: parseNumber(env, 'CCP_CONNECT_TIMEOUT_MS', MILLISECONDS),
    firstByteTimeoutMs: parseNumber(env, 'CCP_FIRST_BYTE_TIMEOUT_MS', MILLISECONDS),
    nonstreamTimeoutMs: parseNumber(env, 'CCP_NONSTREAM_TIMEOUT_MS', MILLISECONDS),
    idleTimeoutMs: parseNumber(env, 'CCP_IDLE_TIMEOUT_MS', MILLISECONDS),
    logMaxBytes: Math.floor(
      parseNumber(env, 'CCP_LOG_MAX_MB', { min: 0, what: 'megabytes, 0 or more (0 never rotates)' }) * 1024 * 1024,
    ),
    logKeep: parseNumber(env, 'CCP_LOG_KEEP', {
      min: 1,
      integer: true,
      what: 'a whole number of rotated files, at least 1',
    }),
    readThreads: parseNumber(env, 'CCP_READ_THREADS', {
      min: 0,
      integer: true,
      what: 'a whole number of threads, 0 or more (0: one per core)',
    }),
    pricing: parsePricing(env, root),
    zaiQuotaPollS: parseNumber(env, 'CCP_ZAI_QUOTA_POLL_S', {
      min: 0,
      what: 'seconds, 0 or more (0 never reads the quota)',
    }),
    zaiQuotaStopPct: parsePercent(env, 'CCP_ZAI_QUOTA_STOP_PCT'),
    knownSecrets: [
      'ZAI_API_KEY',
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_AUTH_TOKEN',
      'CLAUDE_CODE_OAUTH_TOKEN',
      'CCP_REMOTE_WRITE_PASSWORD',
      'CCP_REMOTE_WRITE_BEARER_TOKEN',
    ]
      .map((k) => env[k]?.trim() ?? '')
      .filter((v) => v.length >= 8),
  };
}

/** `.env` from the repo root, parsed (empty when there is none). */
export function readDotEnv(root = REPO_ROOT): Env {
  const file = join(root, '.env');
  return existsSync(file) ? dotenv.parse(readFileSync(file)) : {};
}

/** The process environment overlaid on `.env` (the shell wins over the file; an empty shell variable counts as unset). */
export function readEnv(root = REPO_ROOT, processEnv: Env = process.env): Env {
  return { ...nonEmpty(readDotEnv(root)), ...nonEmpty(processEnv) };
}

/** Where `name`'s value comes from, given the shell's environment and `.env`'s. */
export function settingSource(name: string, processEnv: Env, dotEnv: Env): SettingSource {
  if (processEnv[name]?.trim()) return 'shell';
  if (dotEnv[name]?.trim()) return '.env';
  return 'default';
}

export function loadConfig(overrides: Env = {}, root = REPO_ROOT, processEnv: Env = process.env): Config {
  const dotEnv = readDotEnv(root);
  const shell = { ...processEnv, ...overrides };
  const config = parseConfig({ ...nonEmpty(dotEnv), ...nonEmpty(shell) }, root);
  return { ...config, offloadPausedFrom: settingSource('OFFLOAD_PAUSED', shell, dotEnv) };
}

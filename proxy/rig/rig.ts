// The offline rig: built-in fake upstreams (Anthropic over HTTPS, Z.AI over HTTPS under /api/anthropic)
// with the real proxy pointed at them. Used by demo, tests, pilot and bench alike.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type Config } from '../common/config.js';
import { FakeUpstream, type FakeUpstreamOptions } from './fake-upstream.js';
import { startProxy, type ProxyHandle } from '../serve/server.js';
import { createTestTls } from './test-ca.js';

/**
 * The subscription windows Anthropic reports on a subscription request, under the header names Claude
 * Code 2.1.332 reads (docs/ZAI.md, "Account probes"): utilization 0–1, resets in epoch seconds.
 */
export function unifiedRateLimitHeaders(now = Date.now()): Record<string, string> {
  const s = (ms: number) => String(Math.round((now + ms) / 1000));
  return {
    'anthropic-ratelimit-unified-status': 'allowed',
    'anthropic-ratelimit-unified-reset': s(2 * 3600_000),
    'anthropic-ratelimit-unified-representative-claim': 'five_hour',
    'anthropic-ratelimit-unified-5h-status': 'allowed',
    'anthropic-ratelimit-unified-5h-utilization': '0.42',
    'anthropic-ratelimit-unified-5h-reset': s(2 * 3600_000),
    'anthropic-ratelimit-unified-7d-status': 'allowed',
    'anthropic-ratelimit-unified-7d-utilization': '0.17',
    'anthropic-ratelimit-unified-7d-reset': s(5 * 86_400_000),
    'anthropic-ratelimit-unified-overage-status': 'allowed',
    'anthropic-ratelimit-unified-overage-utilization': '0',
  };
}

/**
 * Anthropic's answer when the subscription's 5-hour window is spent: 429 rate_limit_error with the unified
 * status `rejected`, the window resetting at `resetMs` (a fault for the simulated Anthropic).
 */
export function subscriptionSpent(resetMs: number) {
  const reset = String(Math.round(resetMs / 1000));
  return {
    status: 429,
    body: { type: 'error', error: { type: 'rate_limit_error', message: "You've hit your 5-hour limit" } },
    headers: {
      ...unifiedRateLimitHeaders(),
      'anthropic-ratelimit-unified-status': 'rejected',
      'anthropic-ratelimit-unified-representative-claim': 'five_hour',
      'anthropic-ratelimit-unified-5h-status': 'rejected',
      'anthropic-ratelimit-unified-5h-utilization': '1',
      'anthropic-ratelimit-unified-5h-reset': reset,
      'anthropic-ratelimit-unified-reset': reset,
    },
  };
}

/** Fake credentials: shaped like real ones so redaction and leak checks are meaningful. */
export const FAKE_ZAI_KEY = 'zai-fake-key-0123456789abcdef';
export const FAKE_ANTHROPIC_KEY = 'sk-ant-api03-fake-client-key-0123456789';

export interface RigOptions {
  /** Extra environment for the proxy (toggles). */
  env?: Record<string, string>;
  /** Where logs, CA and state go; a fresh temp dir by default. */
  dir?: string;
  port?: number;
  anthropic?: Partial<FakeUpstreamOptions>;
  zai?: Partial<FakeUpstreamOptions>;
  /** Runs once the fakes are up and before the proxy starts (e.g. to set the Z.AI plan's quota it reads at start). */
  prepare?: (fakes: { anthropic: FakeUpstream; zai: FakeUpstream }) => void;
}

export interface Rig {
  dir: string;
  anthropic: FakeUpstream;
  zai: FakeUpstream;
  /** PEM file of the fakes' CA (what the proxy trusts upstream). */
  upstreamCaPath: string;
  env: Record<string, string>;
  config: Config;
  proxy: ProxyHandle;
  proxyUrl: string;
  /**
   * A control request as `npm run pause | resume | offload` send it (POST with the run's token), e.g.
   * `/__ccp/pause`: the one way the toggles change, for drivers and tests alike.
   */
  control(pathAndQuery: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Start the fakes only; returns the environment that points a proxy at them. */
export async function startFakes(dir: string, opts: RigOptions = {}) {
  mkdirSync(dir, { recursive: true });
  const tls = await createTestTls();
  const upstreamCaPath = join(dir, 'fake-upstream-ca.pem');
  writeFileSync(upstreamCaPath, tls.caCert);
  const anthropic = await new FakeUpstream({
    name: 'anthropic-fake',
    tls,
    unifiedRateLimit: unifiedRateLimitHeaders(),
    ...opts.anthropic,
  }).start();
  const zai = await new FakeUpstream({
    name: 'zai-fake',
    tls,
    prefix: '/api/anthropic',
    // As strict as the real one by default (docs/ZAI.md): one header mode (the kit's default, x-api-key),
    // unknown top-level fields refused, unknown models answered 1211. A test that must, opts out.
    requireKey: { value: FAKE_ZAI_KEY, header: 'x-api-key' },
    strictSchema: 'first',
    personality: 'zai',
    ...opts.zai,
  }).start();
  const env: Record<string, string> = {
    MITM_PORT: String(opts.port ?? 0),
    ZAI_API_KEY: FAKE_ZAI_KEY,
    ZAI_BASE_URL: zai.baseUrl,
    ANTH_BASE_URL: anthropic.baseUrl,
    CCP_UPSTREAM_CA: upstreamCaPath,
    CCP_LOGS_DIR: join(dir, 'logs'),
    CCP_RESULTS_DIR: join(dir, 'results'),
    CCP_CA_DIR: join(dir, 'ca'),
    ...opts.env,
  };
  return { anthropic, zai, upstreamCaPath, env };
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ccp-rig-'));
  const fakes = await startFakes(dir, opts);
  opts.prepare?.(fakes);
  // MITM_PORT=0 is not a valid user setting; the rig asks the OS for a free port instead.
  const config = parseConfig({ ...fakes.env, MITM_PORT: '1' });
  config.port = opts.port ?? 0;
  const proxy = await startProxy(config);
  return {
    dir,
    ...fakes,
    config,
    proxy,
    proxyUrl: `http://127.0.0.1:${proxy.port}`,
    async control(pathAndQuery: string) {
      const res = await fetch(`http://127.0.0.1:${proxy.port}${pathAndQuery}`, {
        method: 'POST',
        headers: { 'x-ccp-token': proxy.controlToken },
      });
      if (!res.ok) throw new Error(`${pathAndQuery}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async stop() {
      await proxy.stop();
      await fakes.anthropic.stop();
      await fakes.zai.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

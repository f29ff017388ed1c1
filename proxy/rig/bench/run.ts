// The benchmark: each scenario measured direct to the fake upstream and through the proxy (MITM via
// HTTPS_PROXY with the CA, and base-URL mode), interleaved, in one run. The proxy runs as its own
// process, started the way a user starts it, so its CPU and memory are its own.
import { cpus, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunState } from '../../ops/run-state.js';
import { freePort } from '../proxy-process.js';
import { startFakes } from '../rig.js';
import { BenchClients } from './clients.js';
import { benchMarkdown } from './markdown.js';
import {
  largeRequestScenario,
  readersScenario,
  slowStreamsScenario,
  smallScenario,
  startupScenario,
  streamsScenario,
  type Scenario,
} from './scenarios.js';

export { targetsOf } from './targets.js';
import { fanOutScenario } from './fan-out.js';
import { burstScenario } from './burst.js';
import { idleFootprint } from './footprint.js';

export interface BenchOptions {
  quick: boolean;
  resultsDir: string;
  print: (s: string) => void;
}

export async function runBench(opts: BenchOptions): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const say = opts.print;
  const dir = mkdtempSync(join(tmpdir(), 'ccp-bench-'));
  const fakes = await startFakes(dir, { anthropic: { stampEvents: true } });
  const env: Record<string, string> = {
    ...fakes.env,
    MITM_PORT: String(await freePort()),
    CCP_ENV_FILE: join(dir, 'sub-env.sh'),
    CCP_LOG_MAX_MB: '0',
  };
  const results: Record<string, unknown> = {};
  const { proxy, figures } = await startupScenario(env, dir, say);
  results.startup = figures;
  try {
    results.footprint = await idleFootprint(proxy, env, dir, opts.quick, say);
    const mitmCa = readFileSync(readRunState(env.CCP_LOGS_DIR!)!.ca_cert, 'utf8');
    const clients = new BenchClients(
      readFileSync(fakes.upstreamCaPath, 'utf8'),
      mitmCa,
      proxy.port,
      new URL(fakes.anthropic.baseUrl).origin,
    );
    const s: Scenario = { quick: opts.quick, say, clients, proxy, anthropic: fakes.anthropic };
    results.small = await smallScenario(s);
    results.streams = await streamsScenario(s);
    results.burst = await burstScenario({ quick: opts.quick, say }, dir);
    results.slow_streams = await slowStreamsScenario(s);
    results.large_request = await largeRequestScenario(s);
    results.fan_out = await fanOutScenario(s, fakes.zai, env.CCP_LOGS_DIR!);
  } finally {
    await proxy.stop();
    await fakes.anthropic.stop();
    await fakes.zai.stop();
  }
  results.readers = await readersScenario(dir, opts.quick, say);
  rmSync(dir, { recursive: true, force: true });

  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  const json = { generated_at: new Date().toISOString(), quick: opts.quick, machine, ...results };
  const markdown = benchMarkdown(json);
  mkdirSync(opts.resultsDir, { recursive: true });
  writeFileSync(join(opts.resultsDir, 'BENCH.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(opts.resultsDir, 'BENCH.md'), markdown);
  return { json, markdown };
}

// The offline demo: fake upstreams + the real proxy + a client process set up like a user's terminal
// (HTTPS_PROXY + NODE_EXTRA_CA_CERTS), then the evidence: what each fake received, summarize, verify.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../common/config.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startRig } from './rig.js';
import { DEFAULT_EXPECT, summarizeLog, verifyLog, writeMetrics } from '../read/reports.js';
import { formatMetrics } from '../read/summary-format.js';
import { formatVerdict, laneHosts, parseExpect } from '../read/verify.js';

export interface DemoResult {
  ok: boolean;
  dir: string;
  logPath: string;
  metricsPath: string;
}

export interface ClientResult {
  label: string;
  status: number;
  answer?: string;
  first_chunk_ms?: number;
  last_chunk_ms?: number;
  chunks?: number;
  total_ms?: number;
  error?: string;
}

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const CLIENT = join(REPO_ROOT, 'proxy', 'rig', 'demo-client.ts');

export function request(
  label: string,
  model: string,
  stream: boolean,
  headers: Record<string, string> = { 'x-api-key': FAKE_ANTHROPIC_KEY },
) {
  return {
    label,
    path: '/v1/messages?beta=true',
    headers,
    body: { model, max_tokens: 64, stream, messages: [{ role: 'user', content: 'Say ok.' }] },
  };
}

/** Runs the client in a child process whose only link to the proxy is the environment a user sources. */
export async function runClient(
  env: Record<string, string>,
  requests: ReturnType<typeof request>[],
): Promise<ClientResult[]> {
  const { stdout } = await execa(TSX, [CLIENT, JSON.stringify(requests)], {
    env: { ...env, NO_PROXY: '127.0.0.1,localhost' },
    extendEnv: true,
    timeout: 60_000,
  });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ClientResult);
}

export async function runDemo(opts: {
  dir: string;
  resultsDir: string;
  print: (s: string) => void;
}): Promise<DemoResult> {
  const { print } = opts;
  rmSync(join(opts.dir, 'logs'), { recursive: true, force: true });
  const rig = await startRig({ dir: opts.dir, env: { CCP_RESULTS_DIR: opts.resultsDir } });
  const checks: { name: string; pass: boolean }[] = [];
  try {
    print(`demo: fake anthropic upstream ${rig.anthropic.baseUrl}, fake z.ai upstream ${rig.zai.baseUrl}`);
    print(`demo: proxy on ${rig.proxyUrl}, CA ${rig.proxy.ca.certPath}`);
    print(`demo: client env HTTPS_PROXY=${rig.proxyUrl} NODE_EXTRA_CA_CERTS=${rig.proxy.ca.certPath}\n`);
    const clientEnv = { HTTPS_PROXY: rig.proxyUrl, NODE_EXTRA_CA_CERTS: rig.proxy.ca.certPath };
    const expected: Record<string, string> = {};
    const batch = [
      request('haiku stream', 'claude-haiku-4-5-20251001', true),
      request('haiku json', 'claude-haiku-4-5-20251001', false),
      request('sonnet stream', 'claude-sonnet-4-5-20250929', true),
      request('sonnet json', 'claude-sonnet-4-5-20250929', false),
      request('opus stream', 'claude-opus-4-1', true),
    ];
    for (const r of batch)
      expected[r.label] = r.body.model.includes('haiku') ? 'ok from zai-fake' : 'ok from anthropic-fake';
    const results = await runClient(clientEnv, batch);

    await rig.control('/__ccp/pause');
    const paused = await runClient(clientEnv, [request('haiku while paused', 'claude-haiku-4-5-20251001', true)]);
    await rig.control('/__ccp/resume');
    expected['haiku while paused'] = 'ok from anthropic-fake';

    for (const r of [...results, ...paused]) {
      const pass = r.status === 200 && r.answer === expected[r.label];
      checks.push({ name: `${r.label} answered by ${expected[r.label]!.replace('ok from ', '')}`, pass });
      const timing =
        r.first_chunk_ms !== undefined
          ? ` first chunk ${Math.round(r.first_chunk_ms)} ms, total ${Math.round(r.total_ms ?? 0)} ms`
          : '';
      print(`${pass ? 'PASS' : 'FAIL'}  ${r.label.padEnd(18)} → ${r.status} "${r.answer ?? r.error ?? ''}"${timing}`);
    }

    const zaiKeys = rig.zai.requests.map((q) => q.headers['x-api-key'] ?? q.headers.authorization);
    const zaiSawClientKey = rig.zai.requests.some((q) => JSON.stringify(q.headers).includes(FAKE_ANTHROPIC_KEY));
    const anthSawZaiKey = rig.anthropic.requests.some((q) => JSON.stringify(q.headers).includes(FAKE_ZAI_KEY));
    checks.push({
      name: 'z.ai fake received only the z.ai key, under /api/anthropic',
      pass:
        zaiKeys.every((k) => k === FAKE_ZAI_KEY) &&
        !zaiSawClientKey &&
        rig.zai.requests.every((q) => q.url.startsWith('/api/anthropic/v1/messages')),
    });
    checks.push({ name: 'anthropic fake never received the z.ai key', pass: !anthSawZaiKey });
    for (const c of checks.slice(-2)) print(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}`);
  } finally {
    await rig.stop();
  }

  print('\n== summarize ==');
  const metrics = await summarizeLog(rig.proxy.logPath, { pricing: rig.config.pricing });
  const metricsPath = writeMetrics(opts.resultsDir, metrics);
  print(formatMetrics(metrics));
  print(`wrote ${metricsPath}`);
  print('\n== verify-routing ==');
  const verdict = await verifyLog(rig.proxy.logPath, parseExpect(DEFAULT_EXPECT), { hosts: laneHosts(rig.config) });
  print(formatVerdict(verdict));
  const ok = checks.every((c) => c.pass) && verdict.exitCode === 0;
  print(`\ndemo ${ok ? 'PASSED' : 'FAILED'}: usage log ${rig.proxy.logPath}`);
  return { ok, dir: opts.dir, logPath: rig.proxy.logPath, metricsPath };
}

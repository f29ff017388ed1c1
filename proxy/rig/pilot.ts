// The dual-terminal pilot acceptance, automated offline against the built-in fakes (T1–T6). Each line
// carries the figures and the rids that prove it; results/TESTS.md is the record.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROVE_REPORT, proveVerdict } from '../ops/prove-report.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startRig, type Rig } from './rig.js';
import { request, runClient, type ClientResult } from './demo.js';
import type { UsageRecord } from '../common/log-schema.js';
import { ensureDir } from '../common/dirs.js';

export interface PilotCheck {
  id: string;
  title: string;
  pass: boolean;
  figures: string;
  rids: string[];
}

const OAUTH = 'sk-ant-oat01-pilot-subscription-token-000000';
const GAP_MS = 60;
const DELTAS = 6;

function completionsAfter(rig: Rig, from: number): UsageRecord[] {
  return readFileSync(rig.proxy.logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(from)
    .map((l) => JSON.parse(l) as UsageRecord)
    .filter((r) => r.event === 'complete');
}

function lineCount(rig: Rig): number {
  return readFileSync(rig.proxy.logPath, 'utf8').split('\n').filter(Boolean).length;
}

/** Run client requests and return their results with the completion lines they produced. */
async function step(
  rig: Rig,
  env: Record<string, string>,
  reqs: ReturnType<typeof request>[],
): Promise<{ results: ClientResult[]; done: UsageRecord[] }> {
  const from = lineCount(rig);
  const results = await runClient(env, reqs);
  // The completion line is written right after the last byte; give the writer a moment.
  await new Promise((r) => setTimeout(r, 50));
  return { results, done: completionsAfter(rig, from) };
}

interface Pilot {
  rig: Rig;
  /** What a proxied terminal has: HTTPS_PROXY and NODE_EXTRA_CA_CERTS. */
  env: Record<string, string>;
  add(c: PilotCheck): void;
}

/** T1 — terminal A's Haiku goes to Z.AI. */
async function t1HaikuToZai(p: Pilot): Promise<UsageRecord[]> {
  const t1 = await step(p.rig, p.env, [request('haiku', 'claude-haiku-4-5-20251001', true)]);
  p.add({
    id: 'T1',
    title: 'Haiku → Z.AI lane',
    pass:
      t1.results[0]?.answer === 'ok from zai-fake' &&
      t1.done.length === 1 &&
      t1.done[0]!.lane === 'zai' &&
      t1.done[0]!.status === 200,
    figures: `answer "${t1.results[0]?.answer}", log lane ${t1.done[0]?.lane} status ${t1.done[0]?.status}`,
    rids: t1.done.map((d) => d.rid),
  });
  return t1.done;
}

/** T2 — Sonnet stays on Anthropic with the client's own credentials (API key, then subscription OAuth). */
async function t2SonnetToAnthropic({ rig, env, add }: Pilot): Promise<void> {
  rig.anthropic.reset();
  const t2 = await step(rig, env, [
    request('sonnet api key', 'claude-sonnet-4-5-20250929', true),
    request('sonnet oauth', 'claude-sonnet-4-5-20250929', true, {
      authorization: `Bearer ${OAUTH}`,
      'anthropic-beta': 'oauth-2025-04-20',
    }),
  ]);
  const seen = rig.anthropic.requests.map((q) => q.headers['x-api-key'] ?? q.headers.authorization);
  add({
    id: 'T2',
    title: 'Sonnet → Anthropic with its own credentials',
    pass:
      t2.results.every((r) => r.answer === 'ok from anthropic-fake') &&
      seen[0] === FAKE_ANTHROPIC_KEY &&
      seen[1] === `Bearer ${OAUTH}` &&
      t2.done.every((d) => d.lane === 'anthropic'),
    figures: `anthropic fake received ${seen.length} requests: x-api-key (client's) and Bearer (client's OAuth)`,
    rids: t2.done.map((d) => d.rid),
  });
}

/** T3 — SSE is streamed (events spread over time, not buffered) and tokens are logged. */
async function t3Streaming({ rig, env, add }: Pilot): Promise<void> {
  rig.zai.reset();
  const t3 = await step(rig, env, [request('haiku stream', 'claude-haiku-4-5', true)]);
  const r3 = t3.results[0]!;
  const spread = (r3.last_chunk_ms ?? 0) - (r3.first_chunk_ms ?? 0);
  const sent = rig.zai.responses[0];
  const c3 = t3.done[0];
  const tokensOk =
    !!c3 &&
    !!sent?.usage &&
    c3.input_tokens === sent.usage.input_tokens &&
    c3.output_tokens === sent.usage.output_tokens &&
    c3.cache_read_input_tokens === sent.usage.cache_read_input_tokens;
  add({
    id: 'T3',
    title: 'SSE streamed, tokens logged',
    pass: (r3.chunks ?? 0) >= DELTAS && spread >= (DELTAS - 1) * GAP_MS * 0.8 && tokensOk,
    figures: `${r3.chunks} chunks over ${Math.round(spread)} ms (fake spaced ${DELTAS} deltas ${GAP_MS} ms apart); log tokens in ${c3?.input_tokens} out ${c3?.output_tokens} cache read ${c3?.cache_read_input_tokens} = fake usage: ${tokensOk}`,
    rids: t3.done.map((d) => d.rid),
  });
}

/** T4 — no credential crossed lanes, checked on what the fakes received during T1–T3. */
function t4NoCrossing({ rig, add }: Pilot, t1: UsageRecord[]): void {
  const zaiHeaders = JSON.stringify(rig.zai.requests.map((q) => q.headers)) + JSON.stringify(t1);
  const anthHeaders = JSON.stringify(rig.anthropic.requests.map((q) => q.headers));
  const zaiClean =
    !zaiHeaders.includes(FAKE_ANTHROPIC_KEY) &&
    !zaiHeaders.includes(OAUTH) &&
    rig.zai.requests.every((q) => q.headers['x-api-key'] === FAKE_ZAI_KEY);
  const anthClean = !anthHeaders.includes(FAKE_ZAI_KEY);
  const logClean = !readFileSync(rig.proxy.logPath, 'utf8').includes(FAKE_ZAI_KEY);
  add({
    id: 'T4',
    title: 'No credential crossed lanes',
    pass: zaiClean && anthClean && logClean,
    figures: `z.ai fake saw only the z.ai key: ${zaiClean}; anthropic fake never saw it: ${anthClean}; usage log free of it: ${logClean}`,
    rids: [],
  });
}

/** T5 — Z.AI answers 401 in one header mode; the other mode succeeds. */
async function t5HeaderModes({ rig, env, add }: Pilot): Promise<void> {
  rig.zai.reset();
  rig.zai.opts.requireKey = { value: FAKE_ZAI_KEY, header: 'authorization' };
  const t5 = await step(rig, env, [request('haiku 401', 'claude-haiku-4-5', true)]);
  const [a1, a2] = t5.done;
  add({
    id: 'T5',
    title: 'Z.AI 401 in one header mode succeeds in the other',
    pass:
      t5.results[0]?.answer === 'ok from zai-fake' &&
      a1?.status === 401 &&
      a1.header_mode === 'x-api-key' &&
      a2?.status === 200 &&
      a2.retry === true &&
      a2.header_mode === 'authorization',
    figures: `attempt 1 ${a1?.header_mode} → ${a1?.status}; attempt 2 ${a2?.header_mode} → ${a2?.status}; client answer "${t5.results[0]?.answer}"`,
    rids: [...new Set(t5.done.map((d) => d.rid))],
  });
  rig.zai.opts.requireKey = { value: FAKE_ZAI_KEY, header: 'either' };
}

/** T6 — pause and resume take effect without a restart (through the control endpoint, as npm run pause does). */
async function t6PauseResume({ rig, env, add }: Pilot): Promise<void> {
  const ctl = (what: 'pause' | 'resume') =>
    fetch(`${rig.proxyUrl}/__ccp/${what}`, { method: 'POST', headers: { 'x-ccp-token': rig.proxy.controlToken } });
  await ctl('pause');
  const paused = await step(rig, env, [request('haiku paused', 'claude-haiku-4-5', true)]);
  await ctl('resume');
  const resumed = await step(rig, env, [request('haiku resumed', 'claude-haiku-4-5', true)]);
  const p = paused.done[0];
  const q = resumed.done[0];
  add({
    id: 'T6',
    title: 'Pause and resume without restart',
    pass:
      p?.lane === 'anthropic' && p.decision === 'failover_paused' && q?.lane === 'zai' && q.decision === 'forced_model',
    figures: `paused → ${p?.lane} (${p?.decision}); resumed → ${q?.lane} (${q?.decision}); same proxy pid ${process.pid}`,
    rids: [p?.rid, q?.rid].filter((r): r is string => !!r),
  });
}

/** Where the real Claude Code's run stands: these checks use the fakes; `npm run prove` uses the real CLI. */
function realCliLine(provePath: string): string {
  const seen = existsSync(provePath) ? proveVerdict(readFileSync(provePath, 'utf8')) : undefined;
  return seen
    ? `Real Claude Code CLI through the running proxy: **${seen.verdict}** on ${seen.when} (\`npm run prove\`, details in ${PROVE_REPORT}).`
    : `Real Claude Code CLI: not proved yet on this machine; with the proxy running, \`npm run prove\` writes ${PROVE_REPORT}.`;
}

function writeReport(path: string, logPath: string, checks: PilotCheck[], ok: boolean): void {
  writeFileSync(
    path,
    [
      '# Pilot acceptance (offline, against the built-in fake upstreams)',
      '',
      `Run ${new Date().toISOString()} by \`npm run pilot\`; usage log ${logPath}. Verdict: **${ok ? 'PASS' : 'FAIL'}**.`,
      '',
      '| test | result | figures | rids |',
      '|---|---|---|---|',
      ...checks.map(
        (c) =>
          `| ${c.id} ${c.title} | ${c.pass ? 'PASS' : 'FAIL'} | ${c.figures.replace(/\|/g, '\\|')} | ${c.rids.join(', ')} |`,
      ),
      '',
      realCliLine(join(dirname(path), PROVE_REPORT)),
      '',
    ].join('\n'),
  );
}

export async function runPilot(opts: {
  dir: string;
  resultsDir: string;
  print: (s: string) => void;
}): Promise<{ ok: boolean; checks: PilotCheck[]; reportPath: string }> {
  rmSync(join(opts.dir, 'logs'), { recursive: true, force: true });
  const rig = await startRig({
    dir: opts.dir,
    anthropic: { eventGapMs: GAP_MS, deltas: DELTAS },
    zai: { eventGapMs: GAP_MS, deltas: DELTAS },
  });
  const checks: PilotCheck[] = [];
  const pilot: Pilot = {
    rig,
    env: { HTTPS_PROXY: rig.proxyUrl, NODE_EXTRA_CA_CERTS: rig.proxy.ca.certPath },
    add: (c) => {
      checks.push(c);
      opts.print(
        `${c.pass ? 'PASS' : 'FAIL'}  ${c.id} ${c.title}: ${c.figures}${c.rids.length ? ` [rids ${c.rids.join(', ')}]` : ''}`,
      );
    },
  };
  try {
    const t1 = await t1HaikuToZai(pilot);
    await t2SonnetToAnthropic(pilot);
    await t3Streaming(pilot);
    t4NoCrossing(pilot, t1);
    await t5HeaderModes(pilot);
    await t6PauseResume(pilot);
  } finally {
    await rig.stop();
  }
  const ok = checks.length === 6 && checks.every((c) => c.pass);
  ensureDir(opts.resultsDir);
  const reportPath = join(opts.resultsDir, 'TESTS.md');
  writeReport(reportPath, rig.proxy.logPath, checks, ok);
  return { ok, checks, reportPath };
}

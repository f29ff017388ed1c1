// Test helpers: real clients through the real proxy, bounded in time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { ProxyAgent, fetch } from 'undici';
import { REPO_ROOT } from '../proxy/common/config.js';
import { FAKE_ANTHROPIC_KEY, startRig, type Rig } from '../proxy/rig/rig.js';
import type { UsageRecord } from '../proxy/common/log-schema.js';
import { writeRunState } from '../proxy/ops/run-state.js';
import { findBrowser, thisMachine } from '../proxy/rig/prerequisites.js';

export const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/** The headless browser the browser suites drive (npm test brings one when the machine has none). */
export function browserPath(): string {
  const found = findBrowser(thisMachine());
  if (!found)
    throw new Error(
      'no Chromium browser found (CHROME_PATH, /Applications, /usr/bin/chromium…): run npm test, which installs one',
    );
  return found;
}

/** The flags every browser suite starts it with: headless, nothing from the network, a fresh profile. */
export const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Rejects when `p` takes longer than `ms`: no test waits forever. */
export async function within<T>(ms: number, p: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An undici ProxyAgent that trusts only the proxy's CA, the way Claude Code's undici is set up. */
export function proxyAgent(rig: Rig): ProxyAgent {
  return new ProxyAgent({ uri: rig.proxyUrl, requestTls: { ca: [readFileSync(rig.proxy.ca.certPath, 'utf8')] } });
}

export interface SentMessage {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** ms since the request was sent, one per body chunk received. */
  chunkTimes: number[];
}

export async function postMessages(
  agent: ProxyAgent,
  body: string | Uint8Array | Record<string, unknown>,
  opts: { headers?: Record<string, string>; path?: string; origin?: string } = {},
): Promise<SentMessage> {
  const t0 = performance.now();
  const res = await fetch(`${opts.origin ?? 'https://api.anthropic.com'}${opts.path ?? '/v1/messages?beta=true'}`, {
    dispatcher: agent,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': FAKE_ANTHROPIC_KEY,
      ...opts.headers,
    },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const chunkTimes: number[] = [];
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body ?? []) {
    chunkTimes.push(performance.now() - t0);
    text += decoder.decode(chunk as Uint8Array, { stream: true });
  }
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text, chunkTimes };
}

export function message(model: string, stream: boolean, extra: Record<string, unknown> = {}) {
  return { model, max_tokens: 32, stream, messages: [{ role: 'user', content: 'Say ok.' }], ...extra };
}

/** Every line of a JSON-lines file (the usage log, the body tee), parsed; one reading of them for every suite. */
// biome-ignore lint/suspicious/noExplicitAny: a test names the fields it reads; the default is loose JSON.
export function jsonLines<T = Record<string, any>>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** The usage lines (decision and completion) of the rig's log; the run line at the top is not one. */
export function logLines(rig: Rig): UsageRecord[] {
  return jsonLines<UsageRecord>(rig.proxy.logPath).filter((r) => r.event === 'decision' || r.event === 'complete');
}

export function completions(rig: Rig): UsageRecord[] {
  return logLines(rig).filter((r) => r.event === 'complete');
}

/** Wait until `cond` holds (log lines are written right after the response ends). */
export async function eventually(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Run an npm task the way a user does (`npm run NAME -- args`), bounded; never throws on exit code. */
export function npmRun(name: string, args: string[], env: Record<string, string>, opts: Options = {}) {
  return execa('npm', ['run', '-s', name, ...(args.length ? ['--', ...args] : [])], {
    cwd: REPO_ROOT,
    env: { ...env, FORCE_COLOR: '0' },
    reject: false,
    timeout: 60_000,
    ...opts,
  });
}

/** The assistant's text from a Messages answer, streamed (text_delta pieces) or JSON. */
export function replyText(body: string): string {
  const deltas = [...body.matchAll(/^data: (.*)$/gm)]
    .map((m) => {
      try {
        return JSON.parse(m[1]!) as { delta?: { type?: string; text?: string } };
      } catch {
        return {};
      }
    })
    .filter((e) => e.delta?.type === 'text_delta')
    .map((e) => e.delta!.text ?? '');
  if (deltas.length) return deltas.join('');
  try {
    const j = JSON.parse(body) as { content?: { type: string; text?: string }[] };
    return (j.content ?? [])
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join('');
  } catch {
    return '';
  }
}

/** Write the pid and state files for a rig whose proxy runs in this process, as npm run mitm would,
 * so tasks that find the proxy through them (status, prove, doctor) talk to the rig. */
export function announceRig(rig: Rig): void {
  writeRunState(rig.config.logsDir, {
    pid: process.pid,
    port: rig.proxy.port,
    token: rig.proxy.controlToken,
    started_at: rig.proxy.startedAt.toISOString(),
    ca_cert: rig.proxy.ca.certPath,
    ca_fingerprint: rig.proxy.ca.fingerprint,
    log_path: rig.proxy.logPath,
  });
}

/** A rig for one test: started with `opts`, stopped whatever `fn` does. */
export async function withRig(opts: Parameters<typeof startRig>[0], fn: (rig: Rig) => Promise<void>): Promise<void> {
  const rig = await startRig(opts);
  try {
    await fn(rig);
  } finally {
    await rig.stop();
  }
}

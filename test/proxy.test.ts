// The proxy end to end: real clients through HTTPS_PROXY with the generated CA, fake upstreams that
// record what crossed the wire, and the usage log.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Anthropic from '@anthropic-ai/sdk';
import { execa } from 'execa';
import { fetch, type ProxyAgent } from 'undici';
import { FakeUpstream } from '../proxy/rig/fake-upstream.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startRig, type Rig } from '../proxy/rig/rig.js';
import { createTestTls } from '../proxy/rig/test-ca.js';
import { listeningPorts } from '../proxy/ops/port-owner.js';
import {
  completions,
  eventually,
  logLines,
  message,
  postMessages,
  proxyAgent,
  replyText,
  withRig,
  within,
} from './helpers.js';

const GAP_MS = 80;
const DELTAS = 5;
let rig: Rig;
let agent: ProxyAgent;

test.before(async () => {
  rig = await startRig({
    anthropic: { eventGapMs: GAP_MS, deltas: DELTAS },
    zai: { eventGapMs: GAP_MS, deltas: DELTAS },
  });
  agent = proxyAgent(rig);
});

test.after(async () => {
  await agent.close();
  await rig.stop();
});

/** Everything each fake received across the whole suite, for the no-leak checks at the end. */
const seenZai: { headers: unknown; body: Buffer }[] = [];
const seenAnthropic: { headers: unknown; body: Buffer }[] = [];

test.before.each(() => {
  seenZai.push(...rig.zai.requests);
  seenAnthropic.push(...rig.anthropic.requests);
  rig.anthropic.reset();
  rig.zai.reset();
});

function lastCompletion() {
  const c = completions(rig);
  return c[c.length - 1]!;
}

async function settled(n = 1) {
  const before = completions(rig).length;
  return { wait: () => eventually(() => completions(rig).length >= before + n, 3000, 'completion line') };
}

test('haiku stream → z.ai fake, under its prefix, with the z.ai key and none of the client credentials', async () => {
  const s = await settled();
  const r = await within(
    10_000,
    postMessages(agent, message('claude-haiku-4-5-20251001', true), {
      headers: {
        authorization: 'Bearer sk-ant-oat01-client-oauth-token',
        cookie: 'sid=client-cookie',
        'anthropic-beta': 'oauth-2025-04-20,interleaved-thinking-2025-05-14',
      },
    }),
  );
  await s.wait();
  assert.is(r.status, 200);
  assert.match(r.headers['content-type'] ?? '', 'text/event-stream');
  assert.is(rig.zai.requests.length, 1);
  assert.is(rig.anthropic.requests.length, 0);
  const got = rig.zai.requests[0]!;
  assert.is(got.url, '/api/anthropic/v1/messages?beta=true');
  assert.is(got.headers['x-api-key'], FAKE_ZAI_KEY);
  assert.is(got.headers.authorization, undefined);
  assert.is(got.headers.cookie, undefined);
  assert.is(got.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14');
  assert.not.match(JSON.stringify(got.headers), /sk-ant|client-cookie/);
});

test('sonnet stream → anthropic fake with the client OAuth bearer, headers kept and body byte-identical', async () => {
  // Odd spacing and key order: any re-serialisation would change these bytes.
  const raw =
    '{ "stream":true,  "model" : "claude-sonnet-4-5-20250929","max_tokens":32,\n "messages":[{"role":"user","content":"héllo \\u00e9 ✓"}] }';
  const s = await settled();
  const r = await within(
    10_000,
    postMessages(agent, raw, {
      headers: {
        'x-api-key': '',
        authorization: 'Bearer sk-ant-oat01-client-oauth-token',
        'anthropic-beta': 'oauth-2025-04-20',
        'x-app': 'cli',
      },
    }),
  );
  await s.wait();
  assert.is(r.status, 200);
  assert.match(r.text, '"text":"ok f');
  assert.is(rig.anthropic.requests.length, 1);
  const got = rig.anthropic.requests[0]!;
  assert.is(got.url, '/v1/messages?beta=true');
  assert.is(got.headers.authorization, 'Bearer sk-ant-oat01-client-oauth-token');
  assert.is(got.headers['anthropic-beta'], 'oauth-2025-04-20');
  assert.is(got.headers['x-app'], 'cli');
  assert.is(got.headers['accept-encoding'], 'identity');
  assert.ok(got.body.equals(Buffer.from(raw, 'utf8')), 'body bytes differ');
  assert.not.match(JSON.stringify(got.headers), FAKE_ZAI_KEY);
});

test('sonnet with an API key: the client x-api-key reaches anthropic unchanged', async () => {
  await postMessages(agent, message('claude-sonnet-4-5', false));
  assert.is(rig.anthropic.requests[0]!.headers['x-api-key'], FAKE_ANTHROPIC_KEY);
});

test('SSE events arrive spaced as the fake sent them, not all at once', async () => {
  const r = await within(10_000, postMessages(agent, message('claude-haiku-4-5', true)));
  const sent = rig.zai.responses[0]!.eventTimes;
  assert.ok(r.chunkTimes.length >= DELTAS, `only ${r.chunkTimes.length} chunks arrived`);
  const spread = r.chunkTimes[r.chunkTimes.length - 1]! - r.chunkTimes[0]!;
  const sentSpread = sent[sent.length - 1]! - sent[0]!;
  assert.ok(
    spread >= (DELTAS - 1) * GAP_MS * 0.8,
    `client saw the stream over ${spread.toFixed(0)} ms; the fake spread it over ${sentSpread} ms`,
  );
  // Every gap the fake made is visible to the client: no two deltas were glued into one chunk.
  const gaps = r.chunkTimes.slice(1).map((t, i) => t - r.chunkTimes[i]!);
  assert.ok(
    gaps.filter((g) => g >= GAP_MS * 0.6).length >= DELTAS - 1,
    `gaps ${gaps.map((g) => g.toFixed(0)).join(',')}`,
  );
});

test('the log: decision then completion with one rid; tokens equal what the fake sent', async () => {
  const s = await settled();
  await postMessages(agent, message('claude-haiku-4-5-20251001', true));
  await s.wait();
  const c = lastCompletion();
  const d = logLines(rig).filter((l) => l.event === 'decision' && l.rid === c.rid);
  assert.is(d.length, 1);
  assert.is(d[0]!.lane, 'zai');
  assert.is(d[0]!.decision, 'forced_model');
  assert.is(c.lane, 'zai');
  assert.is(c.status, 200);
  assert.is(c.op, 'stream');
  assert.is(c.header_mode, 'x-api-key');
  const usage = rig.zai.responses[0]!.usage!;
  assert.is(c.input_tokens, usage.input_tokens);
  assert.is(c.output_tokens, usage.output_tokens);
  assert.is(c.cache_creation_input_tokens, usage.cache_creation_input_tokens);
  assert.is(c.cache_read_input_tokens, usage.cache_read_input_tokens);
  assert.is(c.sse_events, rig.zai.responses[0]!.events);
  assert.is(c.stop_reason, 'end_turn');
  assert.ok(c.ttft_ms! > 0 && c.ttft_ms! <= c.latency_ms!, 'ttft within latency');
  assert.ok(c.stream_ms! >= (DELTAS - 1) * GAP_MS * 0.8, `stream_ms ${c.stream_ms}`);
  assert.ok(c.ttfb_ms! <= c.ttft_ms!, 'headers before the first token');
  assert.is(c.err_type, undefined);
});

test('non-streaming JSON: tokens from the body; op nonstream', async () => {
  const s = await settled();
  const r = await postMessages(agent, message('claude-3-5-haiku-latest', false));
  await s.wait();
  assert.is(JSON.parse(r.text).content[0].text, 'ok from zai-fake');
  const c = lastCompletion();
  assert.equal([c.lane, c.op, c.input_tokens, c.output_tokens], ['zai', 'nonstream', 42, 17]);
});

test('official SDK: messages.stream and messages.create through the proxy', async () => {
  const client = new Anthropic({
    apiKey: FAKE_ANTHROPIC_KEY,
    fetch: fetch as never,
    fetchOptions: { dispatcher: agent } as never,
    maxRetries: 0,
    timeout: 10_000,
  });
  const stream = client.messages.stream({
    model: 'claude-haiku-4-5',
    max_tokens: 32,
    messages: [{ role: 'user', content: 'ok' }],
  });
  let deltas = 0;
  stream.on('text', () => deltas++);
  const final = await within(10_000, stream.finalMessage());
  assert.is(final.content[0]?.type === 'text' && final.content[0].text, 'ok from zai-fake');
  assert.is(deltas, DELTAS);
  assert.is(final.usage.output_tokens, 17);
  const made = await within(
    10_000,
    client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: 'ok' }] }),
  );
  assert.is(made.content[0]?.type === 'text' && made.content[0].text, 'ok from anthropic-fake');
  const sent = rig.anthropic.requests.find((q) => q.url.startsWith('/v1/messages'));
  assert.ok(sent, `anthropic fake saw ${JSON.stringify(rig.anthropic.requests.map((q) => q.url))}`);
  // SDK 1.x sends its API key as a bearer token; either way it is the client's own, unchanged.
  assert.ok(
    [sent!.headers['x-api-key'], sent!.headers.authorization].includes(FAKE_ANTHROPIC_KEY) ||
      sent!.headers.authorization === `Bearer ${FAKE_ANTHROPIC_KEY}`,
  );
  assert.not.match(JSON.stringify(rig.zai.requests.map((q) => q.headers)), FAKE_ANTHROPIC_KEY);
});

async function curl(args: string[]) {
  return execa('curl', ['-sS', '-N', '--max-time', '15', '--proxy', rig.proxyUrl, ...args], {
    reject: false,
    timeout: 20_000,
  });
}

test('curl over HTTP/1.1 and HTTP/2 (--proxy --cacert): both legs work, both are handed to the router in-process, the log tells them apart', async () => {
  // mockttp emits 'request' for every request it handles itself; the handover takes API requests first.
  let mockttpHandled = 0;
  await rig.proxy.front.server.on('request', () => void mockttpHandled++);
  for (const [flag, h2] of [
    ['--http1.1', false],
    ['--http2', true],
  ] as const) {
    const s = await settled();
    const r = await curl([
      flag,
      '--cacert',
      rig.proxy.ca.certPath,
      '-w',
      '\n%{http_version}',
      'https://api.anthropic.com/v1/messages',
      '-H',
      `x-api-key: ${FAKE_ANTHROPIC_KEY}`,
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify(message('claude-haiku-4-5', true)),
    ]);
    await s.wait();
    assert.is(r.exitCode, 0, r.stderr);
    assert.ok(r.stdout.endsWith(h2 ? '\n2' : '\n1.1'), `http version: ${r.stdout.slice(-5)}`);
    assert.match(r.stdout, 'event: message_stop');
    const c = lastCompletion();
    assert.is(c.h2, h2);
    assert.is(c.lane, 'zai');
    const got = rig.zai.requests.at(-1)!;
    assert.not.ok(
      Object.keys(got.headers).some((h) => h.startsWith(':')),
      'no HTTP/2 pseudo-header reached the upstream',
    );
  }
  assert.is(mockttpHandled, 0, 'mockttp handled none of the API requests itself');
});

test('any other host is tunnelled untouched: the client sees that host’s own certificate', async () => {
  const otherTls = await createTestTls('some other site CA');
  const other = await new FakeUpstream({ name: 'other-site', tls: otherTls }).start();
  const caFile = `${rig.dir}/other-ca.pem`;
  await import('node:fs').then((fs) => fs.writeFileSync(caFile, otherTls.caCert));
  try {
    const before = logLines(rig).length;
    const ok = await curl(['--cacert', caFile, `https://localhost:${other.port}/anything`]);
    assert.is(ok.exitCode, 0, ok.stderr);
    assert.is(other.requests.length, 1);
    // With only the proxy's CA trusted, the same request fails: the proxy did not terminate this TLS.
    const mitm = await curl(['--cacert', rig.proxy.ca.certPath, `https://localhost:${other.port}/anything`]);
    assert.is(mitm.exitCode, 60, `expected a certificate error, got ${mitm.exitCode} ${mitm.stderr}`);
    assert.is(logLines(rig).length, before, 'tunnelled traffic is not logged as API traffic');
  } finally {
    await other.stop();
  }
});

test('base-URL mode: requests sent straight to the port are routed like intercepted ones', async () => {
  const s = await settled(2);
  const h = await fetch(`${rig.proxyUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(message('claude-haiku-4-5', false)),
  });
  assert.is(((await h.json()) as { content: { text: string }[] }).content[0]!.text, 'ok from zai-fake');
  const so = await fetch(`${rig.proxyUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(message('claude-opus-4-1', false)),
  });
  assert.is(((await so.json()) as { content: { text: string }[] }).content[0]!.text, 'ok from anthropic-fake');
  await s.wait();
  assert.is(rig.anthropic.requests[0]!.headers['x-api-key'], FAKE_ANTHROPIC_KEY);
  const probe = await fetch(`${rig.proxyUrl}/`, { method: 'HEAD' });
  assert.is(probe.status, 200);
  const status = await fetch(`${rig.proxyUrl}/__ccp/status`);
  assert.is(status.status, 200);
  await status.arrayBuffer();
  // HTTP/2 without TLS (prior knowledge), as some clients speak to a local base URL: API and control alike.
  for (const path of ['/v1/messages', '/__ccp/status']) {
    const h2c = await execa(
      'curl',
      [
        '-sS',
        '--http2-prior-knowledge',
        '--max-time',
        '10',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{http_version}',
        ...(path === '/v1/messages'
          ? [
              '-H',
              `x-api-key: ${FAKE_ANTHROPIC_KEY}`,
              '-H',
              'content-type: application/json',
              '-d',
              JSON.stringify(message('claude-haiku-4-5', false)),
            ]
          : []),
        `${rig.proxyUrl}${path}`,
      ],
      { reject: false, timeout: 15_000 },
    );
    assert.is(h2c.stdout, '200 2', `${path}: ${h2c.stderr}`);
  }
});

test('count_tokens, models, settings and telemetry paths all go to the anthropic base URL', async () => {
  const paths = ['/v1/messages/count_tokens', '/api/claude_code/metrics', '/api/event_logging/batch'];
  for (const p of paths) {
    const r = await postMessages(agent, message('claude-haiku-4-5', false), { path: p });
    assert.is(r.status, 200, p);
  }
  const g = await fetch('https://api.anthropic.com/api/claude_code/settings', {
    dispatcher: agent,
    headers: { 'x-api-key': FAKE_ANTHROPIC_KEY },
  });
  assert.is(g.status, 200);
  await g.text();
  assert.equal(
    rig.anthropic.requests.map((q) => q.url),
    [...paths, '/api/claude_code/settings'],
  );
  assert.is(rig.zai.requests.length, 0);
  await eventually(() => completions(rig).some((c) => c.path === '/api/claude_code/settings'));
  const tokens = completions(rig).find((c) => c.path === '/v1/messages/count_tokens')!;
  assert.equal([tokens.lane, tokens.decision], ['anthropic', 'pass_through']);
});

test('pause and resume flip the next haiku request without a restart; control needs the run token', async () => {
  const ctl = (what: string, token?: string) =>
    fetch(`${rig.proxyUrl}/__ccp/${what}`, { method: 'POST', headers: token ? { 'x-ccp-token': token } : {} });
  const denied = await ctl('pause');
  assert.is(denied.status, 403);
  assert.is(((await denied.json()) as { error: { type: string } }).error.type, 'permission_error');
  assert.is((await ctl('pause', rig.proxy.controlToken)).status, 200);
  const s = await settled();
  let r = await postMessages(agent, message('claude-haiku-4-5', false));
  await s.wait();
  assert.match(r.text, 'ok from anthropic-fake');
  assert.equal(
    [lastCompletion().lane, lastCompletion().decision, lastCompletion().paused],
    ['anthropic', 'failover_paused', true],
  );
  assert.is((await ctl('resume', rig.proxy.controlToken)).status, 200);
  const s2 = await settled();
  r = await postMessages(agent, message('claude-haiku-4-5', false));
  await s2.wait();
  assert.match(r.text, 'ok from zai-fake');
  assert.equal([lastCompletion().lane, lastCompletion().decision], ['zai', 'forced_model']);
  const status = (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as Record<string, unknown>;
  assert.is(status.paused, false);
  assert.not.match(JSON.stringify(status), FAKE_ZAI_KEY);
});

test('ZAI_HEADER_MODE=authorization sends Bearer and no x-api-key; model map rewrites only the z.ai body', async () => {
  // Its own proxy, started with the settings (the header mode that works sticks for a run).
  await withRig(
    {
      env: { ZAI_HEADER_MODE: 'authorization', ZAI_MODEL_MAP: 'haiku=glm-4.5-air' },
      // This simulated Z.AI takes the key as Bearer only (the strict default takes x-api-key only).
      zai: { requireKey: { value: FAKE_ZAI_KEY, header: 'authorization' } },
    },
    async (own) => {
      const ownAgent = proxyAgent(own);
      await postMessages(ownAgent, message('claude-haiku-4-5', false));
      await eventually(() => completions(own).length >= 1, 3000, 'completion line');
      const got = own.zai.requests[0]!;
      assert.is(got.headers.authorization, `Bearer ${FAKE_ZAI_KEY}`);
      assert.is(got.headers['x-api-key'], undefined);
      assert.is(JSON.parse(got.body.toString()).model, 'glm-4.5-air');
      assert.is(got.headers['content-length'], String(got.body.length));
      const c = completions(own).at(-1)!;
      assert.equal([c.model, c.upstream_model, c.header_mode], ['claude-haiku-4-5', 'glm-4.5-air', 'authorization']);
      await postMessages(ownAgent, message('claude-sonnet-4-5', false));
      assert.is(JSON.parse(own.anthropic.requests[0]!.body.toString()).model, 'claude-sonnet-4-5');
      await ownAgent.close();
    },
  );
});

test('bad input: non-JSON goes to anthropic untouched; an oversized body gets a 413 from the proxy; both logged', async () => {
  const s = await settled();
  const r = await postMessages(agent, 'this is { not json');
  await s.wait();
  assert.is(r.status, 400);
  assert.is(rig.anthropic.requests[0]!.body.toString(), 'this is { not json');
  assert.equal(
    [lastCompletion().lane, lastCompletion().decision, lastCompletion().err_type],
    ['anthropic', 'pass_through', '4xx'],
  );

  const limit = rig.config.maxBodyBytes;
  rig.config.maxBodyBytes = 2000;
  try {
    const s2 = await settled();
    const big = await postMessages(agent, message('claude-haiku-4-5', false, { pad: 'x'.repeat(5000) }));
    await s2.wait();
    assert.is(big.status, 413);
    assert.is(JSON.parse(big.text).error.type, 'request_too_large');
    assert.equal([lastCompletion().status, lastCompletion().err_type], [413, 'bad_request']);
    assert.is(rig.zai.requests.length, 0);
  } finally {
    rig.config.maxBodyBytes = limit;
  }
  const after = await postMessages(agent, message('claude-haiku-4-5', false));
  assert.is(after.status, 200, 'the proxy keeps serving');
});

test('a 2 MB prompt body streams through intact', async () => {
  const big = message('claude-sonnet-4-5', true, { system: 'y'.repeat(2 * 1024 * 1024) });
  const r = await within(15_000, postMessages(agent, big));
  assert.is(r.status, 200);
  assert.is(rig.anthropic.requests[0]!.body.length, Buffer.byteLength(JSON.stringify(big)));
});

test('large bodies shaped as Claude Code sends them (model first, stream last) route and log like any other', async () => {
  const system = 'z'.repeat(512 * 1024);
  const shaped = (model: string) => ({
    model,
    max_tokens: 32,
    system,
    messages: [{ role: 'user', content: 'Say ok.' }],
    stream: true,
  });
  const s = await settled(2);
  const sonnet = await within(15_000, postMessages(agent, shaped('claude-sonnet-4-5')));
  const haiku = await within(15_000, postMessages(agent, shaped('claude-haiku-4-5')));
  await s.wait();
  assert.equal([sonnet.status, haiku.status], [200, 200]);
  assert.is(replyText(sonnet.text), 'ok from anthropic-fake');
  assert.is(replyText(haiku.text), 'ok from zai-fake');
  assert.ok(
    rig.anthropic.requests[0]!.body.equals(Buffer.from(JSON.stringify(shaped('claude-sonnet-4-5')))),
    'byte-identical on the Anthropic lane',
  );
  const [a, z] = completions(rig).slice(-2);
  assert.equal([a!.lane, a!.model, a!.op, a!.decision], ['anthropic', 'claude-sonnet-4-5', 'stream', 'pass_through']);
  assert.equal([z!.lane, z!.model, z!.op, z!.decision], ['zai', 'claude-haiku-4-5', 'stream', 'forced_model']);
});

test('one way in: the proxy listens on its front port only, and on loopback only', async () => {
  const fakes = new Set([rig.anthropic.port, rig.zai.port]);
  const ours = listeningPorts(process.pid).filter((p) => !fakes.has(p));
  assert.equal(ours, [rig.proxy.port], `ports this process listens on besides the fakes: ${ours.join(', ')}`);
  const ips = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  for (const ip of ips) {
    const err = await new Promise<string>((resolve) => {
      const s = net.connect({ host: ip, port: rig.proxy.port, timeout: 2000 }, () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('timeout', () => {
        s.destroy();
        resolve('timeout');
      });
    });
    assert.is.not(err, 'connected', `${ip}:${rig.proxy.port} accepted a connection`);
  }
  const front = (rig.proxy.front.server as unknown as { server: net.Server }).server.address() as net.AddressInfo;
  assert.is(front.address, '127.0.0.1');
});

test('the z.ai key never appears in the usage log, and client credentials never reach z.ai', async () => {
  const log = readFileSync(rig.proxy.logPath, 'utf8');
  assert.not.match(log, FAKE_ZAI_KEY);
  assert.not.match(log, FAKE_ANTHROPIC_KEY);
  assert.not.match(log, 'sk-ant-oat01');
  assert.ok(
    seenZai.length >= 10 && seenAnthropic.length >= 10,
    `${seenZai.length} z.ai and ${seenAnthropic.length} anthropic requests seen`,
  );
  for (const q of seenZai) assert.not.match(JSON.stringify(q.headers), /sk-ant|client-cookie/);
  for (const q of seenAnthropic) assert.not.match(JSON.stringify(q.headers), FAKE_ZAI_KEY);
});

test('nothing the proxy does for the intercepted host needs DNS when ANTH_BASE_URL is overridden', async () => {
  const dns = (await import('node:dns')).default;
  const original = dns.lookup;
  const looked: string[] = [];
  (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) => {
    looked.push(host);
    if (host.endsWith('anthropic.com')) throw new Error(`DNS lookup of ${host} during an offline test`);
    return (original as (...a: unknown[]) => void)(host, ...rest);
  };
  try {
    // The spy sees in-process connects by name (so an empty list below means something).
    await new Promise<void>((resolve, reject) =>
      net
        .connect({ host: 'localhost', port: rig.anthropic.port }, function (this: net.Socket) {
          this.destroy();
          resolve();
        })
        .on('error', reject),
    );
    assert.ok(looked.includes('localhost'), 'the DNS spy is not in the connect path');
    const a = proxyAgent(rig); // fresh connections, so every connect happens under the spy
    try {
      assert.is((await within(10_000, postMessages(a, message('claude-sonnet-4-5', true)))).status, 200);
      assert.is((await within(10_000, postMessages(a, message('claude-haiku-4-5', true)))).status, 200);
    } finally {
      await a.close();
    }
  } finally {
    (dns as { lookup: unknown }).lookup = original;
  }
  assert.equal(
    looked.filter((h) => h.includes('anthropic')),
    [],
  );
});

test.run();

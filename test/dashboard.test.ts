// The live dashboard in a real headless Chromium (Debian's, driven by playwright-core), the JSON and
// Prometheus endpoints, and that another site in the same browser cannot flip pause/resume.
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type Browser } from 'playwright-core';
import { fetch } from 'undici';
import { startRig, type Rig } from '../proxy/rig/rig.js';
import { REPO_ROOT } from '../proxy/common/config.js';
import { BROWSER_ARGS, browserPath, message, postMessages, proxyAgent, replyText, within } from './helpers.js';

let rig: Rig;
let browser: Browser;

test.before(async () => {
  rig = await startRig();
  browser = await chromium.launch({
    executablePath: browserPath(),
    args: BROWSER_ARGS,
    timeout: 30_000,
  });
});

test.after(async () => {
  await browser?.close();
  await rig?.stop();
});

async function haiku() {
  const agent = proxyAgent(rig);
  try {
    return await within(10_000, postMessages(agent, message('claude-haiku-4-5', true)));
  } finally {
    await agent.close();
  }
}

test('status, stats and Prometheus metrics endpoints', async () => {
  await haiku();
  const stats = (await (await fetch(`${rig.proxyUrl}/__ccp/stats`)).json()) as {
    stats: { lanes: Record<string, { requests: number }>; recent: { rid: string }[] };
  };
  assert.ok(stats.stats.lanes.zai!.requests >= 1);
  const metrics = await (await fetch(`${rig.proxyUrl}/__ccp/metrics`)).text();
  assert.match(metrics, /ccp_requests_total\{lane="zai",decision="forced_model",status_class="2xx"\} \d+/);
  assert.match(metrics, /ccp_ttft_seconds_bucket\{le="[0-9.]+",lane="zai"\} \d+/);
  assert.match(metrics, /ccp_offload_paused 0/);
});

test('the page loads with nothing from the network, shows a new request within 2 s, and its switch pauses the next haiku request', async () => {
  const page = await browser.newPage();
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(rig.proxyUrl)) external.push(r.url());
  });
  await page.goto(`${rig.proxyUrl}/__ccp/`, { timeout: 15_000 });
  await page.waitForSelector('#conn:text("live")', { timeout: 10_000 });
  const before = Date.now();
  await haiku();
  const rid = ((await (await fetch(`${rig.proxyUrl}/__ccp/stats`)).json()) as { stats: { recent: { rid: string }[] } })
    .stats.recent[0]!.rid;
  await page.waitForSelector(`tr[data-rid="${rid}"]`, { timeout: 2000 });
  assert.ok(Date.now() - before < 4000);
  assert.match((await page.textContent(`tr[data-rid="${rid}"]`)) ?? '', /claude-haiku-4-5.*zai.*forced_model.*200/);

  await page.click('#toggle');
  await page.waitForSelector('#offload:text("offload paused")', { timeout: 5000 });
  assert.is(rig.proxy.toggles.paused, true);
  const r = await haiku();
  assert.is(replyText(r.text), 'ok from anthropic-fake');
  const last = (
    (await (await fetch(`${rig.proxyUrl}/__ccp/stats`)).json()) as {
      stats: { recent: { lane: string; decision: string }[] };
    }
  ).stats.recent[0]!;
  assert.equal([last.lane, last.decision], ['anthropic', 'failover_paused']);
  await page.click('#toggle');
  await page.waitForSelector('#offload:text("offload on")', { timeout: 5000 });
  assert.is(rig.proxy.toggles.paused, false);

  // The screenshot is kept under results/ (git-ignored) for a person to look at.
  mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
  await page.screenshot({ path: join(REPO_ROOT, 'results', 'dashboard.png'), fullPage: true });
  assert.equal(external, [], 'the page loaded nothing from elsewhere');
  await page.close();
});

test('the page shows cost per lane, the saving, cost by request class, the Z.AI quota and the subscription windows', async () => {
  const own = await startRig();
  const agent = proxyAgent(own);
  const page = await browser.newPage();
  try {
    const oauth = { authorization: 'Bearer sk-ant-oat01-dashboard-subscription-0123456789' };
    for (let i = 0; i < 2; i++)
      await within(
        10_000,
        postMessages(agent, message('claude-haiku-4-5-20251001', false), {
          headers: { ...oauth, 'x-claude-code-request-class': 'background' },
        }),
      );
    await within(
      10_000,
      postMessages(agent, message('claude-sonnet-4-5-20250929', false), {
        headers: { ...oauth, 'x-claude-code-request-class': 'main' },
      }),
    );
    await page.goto(`${own.proxyUrl}/__ccp/`, { timeout: 15_000 });
    // By hand, µ$ per request for the fakes' usage (docs/COST.md prices): Haiku on Z.AI as GLM-4.5-Air
    // 42×0.20 + 17×1.10 + 11×0.03 = 27.43, as Haiku 4.5 42 + 85 + 1.1 = 128.1; Sonnet 4.5 42×3 + 17×15 + 5×3.75 + 11×0.30 = 403.05.
    await page.waitForSelector('[data-lane="zai"] [data-k="cost"]', { timeout: 10_000 });
    assert.is(await page.textContent('[data-lane="zai"] [data-k="cost"]'), '$0.00005486');
    assert.is(await page.textContent('[data-lane="zai"] [data-k="saved"]'), '$0.00020134');
    assert.is(await page.textContent('[data-lane="anthropic"] [data-k="cost"]'), '$0.00040305');
    assert.match((await page.textContent('tr[data-class="background"]')) ?? '', /background\s*2 · \$0\.00005486\s*-/);
    assert.match((await page.textContent('tr[data-class="main"]')) ?? '', /main\s*-\s*1 · \$0\.00040305/);
    // The Z.AI plan as the fake serves it (5-hour window 12 %, weekly 31 %), read at start.
    await page.waitForSelector('[data-window="tokens 5h"]', { timeout: 5000 });
    assert.match((await page.textContent('[data-window="tokens 5h"]')) ?? '', /^tokens 5h: 12% used, resets /);
    assert.match((await page.textContent('[data-window="tokens week"]')) ?? '', /^tokens week: 31% used/);
    assert.match((await page.textContent('[data-limits="zai"]')) ?? '', /Z\.AI plan pro, Haiku stops at 98%/);
    // The Z.AI lane's slots: none in flight now, no limit learned (no 1302 was seen).
    assert.is(await page.textContent('[data-limits="zai-inflight"]'), 'Z.AI lane in flight 0 of no limit known yet');
    // The subscription's windows as the Anthropic fake sent them (rig.ts unifiedRateLimitHeaders: 5h 0.42, 7d 0.17, overage 0).
    assert.match(
      (await page.textContent('[data-limits="anthropic"]')) ?? '',
      /^Anthropic subscription allowed, limited by five_hour$/,
    );
    assert.match((await page.textContent('[data-window="5h"]')) ?? '', /^5h: 42% used, resets .+ \(allowed\)$/);
    assert.match((await page.textContent('[data-window="7d"]')) ?? '', /^7d: 17% used, resets .+ \(allowed\)$/);
    assert.match((await page.textContent('[data-window="overage"]')) ?? '', /^overage: 0% used/);
    mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'results', 'dashboard-cost.png'), fullPage: true });
  } finally {
    await page.close();
    await agent.close();
    await own.stop();
  }
});

test('the page shows each kind of work, and what offloading the work that stayed on Anthropic would move', async () => {
  const own = await startRig();
  const agent = proxyAgent(own);
  const page = await browser.newPage();
  try {
    const main = { 'x-claude-code-request-class': 'main' };
    const sub = {
      'x-claude-code-request-class': 'subagent',
      'x-claude-code-agent-id': 'a1b2c3d4e5f6a7b8c',
      'x-claude-code-agent-type': 'Explore',
    };
    await within(10_000, postMessages(agent, message('claude-sonnet-4-5-20250929', false), { headers: main }));
    await within(10_000, postMessages(agent, message('claude-sonnet-4-5-20250929', false), { headers: sub }));
    await page.goto(`${own.proxyUrl}/__ccp/`, { timeout: 15_000 });
    await page.waitForSelector('tr[data-work="subagent Explore"]', { timeout: 10_000 });
    // By hand (the fake's usage 42 in, 17 out, 5 cache writes, 11 cache reads): Sonnet 4.5 costs 403.05 µ$;
    // on Z.AI as GLM-4.7 ($0.60 / $2.20 / $0.11 cache reads, cache writes free) 25.2 + 37.4 + 1.21 = 63.81 µ$.
    assert.is(
      await page.textContent('tr[data-work="subagent Explore"] [data-k="move"]'),
      '1 · 58 in + 17 out · $0.00006381 on Z.AI',
    );
    assert.match(
      (await page.textContent('tr[data-work="subagent Explore"]')) ?? '',
      /^subagent Explore-1 · \$0\.00040305/,
    );
    assert.is(await page.textContent('tr[data-work="main"] [data-k="move"]'), 'stays (moves only as Haiku)');
  } finally {
    await page.close();
    await agent.close();
    await own.stop();
  }
});

test('when the Z.AI lane cost more than Claude would have, the page says so, never a negative saving', async () => {
  const own = await startRig();
  const agent = proxyAgent(own);
  const page = await browser.newPage();
  try {
    await within(10_000, postMessages(agent, message('claude-haiku-5-5', false)));
    await page.goto(`${own.proxyUrl}/__ccp/`, { timeout: 15_000 });
    // By hand (the fake's usage 42 in, 17 out, 11 cache reads): as Haiku 5.5 4.2 + 8.5 + 0.11 = 12.81 µ$;
    // on Z.AI as GLM-4.5-Air 8.4 + 18.7 + 0.33 = 27.43 µ$; 14.62 µ$ more.
    await page.waitForSelector('[data-lane="zai"] [data-k="cost-more"]', { timeout: 10_000 });
    assert.is(await page.textContent('[data-lane="zai"] [data-k="cost-more"]'), '$0.00001462 more');
    assert.is(await page.$('[data-lane="zai"] [data-k="saved"]'), null);
    assert.not.match((await page.textContent('body')) ?? '', /\$-\d/);
  } finally {
    await page.close();
    await agent.close();
    await own.stop();
  }
});

/**
 * A byte relay in front of the proxy's port that records each request line it forwards and each status
 * line the proxy answers: the oracle that the attack's requests really reached the proxy (and were refused).
 */
async function recordingRelay(
  port: number,
): Promise<{ port: number; requests: string[]; statuses: string[]; close: () => void }> {
  const requests: string[] = [];
  const statuses: string[] = [];
  let own = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      requests.push(...text.split('\r\n').filter((l) => /^[A-Z]+ \/\S* HTTP\/1\.1$/.test(l)));
      // The Host the browser wrote names the relay; to the proxy it must name the proxy (else it is a proxy request, forwarded).
      upstream.write(Buffer.from(text.replaceAll(`Host: 127.0.0.1:${own}`, `Host: 127.0.0.1:${port}`), 'latin1'));
    });
    upstream.on('data', (d: Buffer) =>
      statuses.push(
        ...d
          .toString('latin1')
          .split('\r\n')
          .filter((l) => /^HTTP\/1\.1 \d{3}/.test(l)),
      ),
    );
    client.on('end', () => upstream.end());
    upstream.pipe(client).on('error', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  own = (server.address() as AddressInfo).port;
  return { port: own, requests, statuses, close: () => server.close() };
}

test('another site open in the same browser cannot pause the proxy (no token, no CORS)', async () => {
  const relay = await recordingRelay(rig.proxy.port);
  const target = `http://127.0.0.1:${relay.port}`;
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><form id="f" method="POST" action="${target}/__ccp/pause"></form>
<script>
fetch('${target}/__ccp/pause', { method: 'POST', mode: 'no-cors' }).catch(() => {});
fetch('${target}/__ccp/pause', { method: 'POST', headers: { 'x-ccp-token': 'guess' } }).catch(() => {});
fetch('${target}/__ccp/').then((r) => r.text()).then((t) => { document.title = 'read:' + t.length; }).catch(() => { document.title = 'blocked'; });
window.submitForm = () => document.getElementById('f').submit();
</script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`, { timeout: 10_000 });
    await page.waitForFunction(() => document.title !== '', undefined, { timeout: 5000 });
    assert.is(await page.title(), 'blocked', 'another origin could read the dashboard (and its token)');
    await page.evaluate(() => (window as unknown as { submitForm: () => void }).submitForm());
    // Awaited, not slept: the no-cors fetch and the form post both reached the proxy, and it refused them.
    const until = Date.now() + 5000;
    while (relay.requests.filter((l) => l.startsWith('POST /__ccp/pause')).length < 2 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    while (relay.statuses.length < relay.requests.length && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
  } finally {
    await page.close();
    evil.close();
    relay.close();
  }
  const posts = relay.requests.filter((l) => l.startsWith('POST /__ccp/pause'));
  assert.ok(posts.length >= 2, `the cross-site POSTs reached the proxy: ${JSON.stringify(relay.requests)}`);
  assert.ok(
    relay.statuses.filter((l) => /^HTTP\/1\.1 403/.test(l)).length >= 2,
    `refused with 403: ${JSON.stringify(relay.statuses)}`,
  );
  assert.is(rig.proxy.toggles.paused, false);
});

test.run();

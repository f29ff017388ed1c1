// Cost: the price lookup, exact per-attempt arithmetic, and `npm run summarize` on a log whose dollar
import { usageLogPath } from '../proxy/common/logs-layout.js';
// figures are computed by hand here (list prices from the issue: Haiku 4.5 1/5/1.25/0.10, Sonnet 4.5
// 3/15/3.75/0.30, Opus 4.5 5/25/6.25/0.50 dollars per million tokens; GLM-4.5-Air 0.20/1.10/0.03).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attemptCost, decimalUsd, formatUsd, shippedPricing } from '../proxy/common/cost.js';
import { SHIPPED_PRICES } from '../proxy/common/price-table.js';
import { PriceBook, loadPriceBook, parsePriceFile, PriceFileError } from '../proxy/common/prices.js';
import { REPO_ROOT } from '../proxy/common/config.js';
import { completions, message, npmRun, postMessages, proxyAgent, withRig } from './helpers.js';
import { attemptCredits, CREDIT_RATES } from '../proxy/common/credits.js';

let dir: string;
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-cost-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const pricing = shippedPricing();
/** Micro-dollars (the unit the hand figures below are in) → pico-dollars. */
const micro = (n: number) => BigInt(n) * 1_000_000n;

test('a model id finds its entry: date suffixes, [1m], longest key first; anything else has no price', () => {
  const b = pricing.book;
  assert.is(b.find('anthropic', 'claude-haiku-4-5-20251001')?.entry.model, 'claude-haiku-4-5');
  assert.is(b.find('anthropic', 'claude-opus-4-1-20250805')?.entry.rates.input, 15);
  assert.is(b.find('anthropic', 'claude-opus-4-20250514')?.entry.model, 'claude-opus-4');
  assert.is(b.find('anthropic', 'claude-opus-4-5')?.entry.rates.input, 5);
  assert.is(b.find('anthropic', 'claude-sonnet-4-5[1m]')?.entry.model, 'claude-sonnet-4-5');
  assert.is(b.find('anthropic', 'Claude-Sonnet-4-5-20250929')?.entry.model, 'claude-sonnet-4-5');
  assert.is(b.find('zai', 'GLM-4.5-Air')?.entry.model, 'glm-4.5-air');
  assert.is(b.find('anthropic', 'claude-haiku-4-5-experimental'), undefined);
  assert.is(b.find('anthropic', 'claude-opus-9'), undefined);
  assert.is(b.find('zai', 'glm-4.5'), undefined, 'glm-4.5 is not glm-4.5-air');
  assert.is(b.find('zai', 'glm-4.7-20260101')?.entry.model, 'glm-4.7');
  assert.is(b.find('anthropic', undefined), undefined);
});

test('one attempt, by hand: input, output, 5m/1h/unsplit cache writes, cache reads', () => {
  // Opus 4.5: 200 in × 5 + 100 out × 25 + 400 5m × 6.25 + 600 1h × 10 + 300 unsplit × 6.25 + 1000 read × 0.5
  //         = 1000 + 2500 + 2500 + 6000 + 1875 + 500 = 14375 µ$
  const c = attemptCost(
    {
      lane: 'anthropic',
      model: 'claude-opus-4-5-20251101',
      input_tokens: 200,
      output_tokens: 100,
      cache_creation_input_tokens: 1300,
      cache_creation_5m_input_tokens: 400,
      cache_creation_1h_input_tokens: 600,
      cache_read_input_tokens: 1000,
    },
    pricing,
  );
  assert.is(c.cost, micro(14375));
  assert.is(formatUsd(c.cost!), '$0.014375');
  assert.is(c.tokens.cache_write_unsplit, 300);
});

test('beyond 2^53 pico-dollars in one attempt the figure stays exact', () => {
  // Opus 4.5: 10^12 in × 5 + 3 out × 25 = 5 000 000 000 000 + 75 µ$ = $5,000,000.000075
  const c = attemptCost({ lane: 'anthropic', model: 'claude-opus-4-5', input_tokens: 1e12, output_tokens: 3 }, pricing);
  assert.is(c.cost, 5_000_000_000_075n * 1_000_000n);
  assert.is(decimalUsd(c.cost!), '5000000.000075');
  // Either side of 2^53 = 9 007 199 254 740 992 pico-dollars, at Opus 4.5's 5 000 000 pico-dollars per input token:
  // 1 801 439 850 × 5 000 000 = 9 007 199 250 000 000 (fits), 1 801 439 851 × 5 000 000 = 9 007 199 255 000 000 (does not)
  assert.is(
    attemptCost({ lane: 'anthropic', model: 'claude-opus-4-5', input_tokens: 1_801_439_850 }, pricing).cost,
    9_007_199_250_000_000n,
  );
  assert.is(
    attemptCost({ lane: 'anthropic', model: 'claude-opus-4-5', input_tokens: 1_801_439_851 }, pricing).cost,
    9_007_199_255_000_000n,
  );
});

test('long prompts: Sonnet 4.5 over 200K and Haiku 5.5 over 100K pay the higher band on every token', () => {
  // 150000 in × 6 + 60000 read × 0.6 + 1000 out × 22.5 = 900000 + 36000 + 22500 = 958500 µ$
  const long = attemptCost(
    {
      lane: 'anthropic',
      model: 'claude-sonnet-4-5',
      input_tokens: 150_000,
      cache_read_input_tokens: 60_000,
      output_tokens: 1000,
    },
    pricing,
  );
  assert.is(long.cost, micro(958_500));
  // 150000 in × 3 + 40000 read × 0.3 + 1000 out × 15 = 450000 + 12000 + 15000 = 477000 µ$ (exactly 190000 prompt tokens)
  assert.is(
    attemptCost(
      {
        lane: 'anthropic',
        model: 'claude-sonnet-4-5',
        input_tokens: 150_000,
        cache_read_input_tokens: 40_000,
        output_tokens: 1000,
      },
      pricing,
    ).cost,
    micro(477_000),
  );
  // Haiku 5.5: 100001 in × 0.5 + 10 out × 2.5 = 50000.5 + 25 → 50025.5 µ$ (exact: half a micro-dollar kept)
  const h = attemptCost(
    { lane: 'anthropic', model: 'claude-haiku-5-5', input_tokens: 100_001, output_tokens: 10 },
    pricing,
  );
  assert.is(decimalUsd(h.cost!), '0.0500255');
  // Sonnet 4.6 has no premium: 250000 × 3 = 750000 µ$
  assert.is(
    attemptCost({ lane: 'anthropic', model: 'claude-sonnet-4-6', input_tokens: 250_000 }, pricing).cost,
    micro(750_000),
  );
});

test('the Z.AI lane: a Claude id runs as GLM-4.5-Air by Z.AI default, a mapped id as itself; plan billing costs 0', () => {
  // 3000 in × 0.20 + 1000 out × 1.10 + 5000 read × 0.03 = 600 + 1100 + 150 = 1850 µ$; as Haiku 4.5: 3000 + 5000 + 500 = 8500 µ$
  const r = {
    lane: 'zai' as const,
    model: 'claude-haiku-4-5-20251001',
    input_tokens: 3000,
    output_tokens: 1000,
    cache_read_input_tokens: 5000,
  };
  const c = attemptCost(r, pricing);
  assert.is(c.pricedAs, 'glm-4.5-air');
  assert.is(c.cost, micro(1850));
  assert.is(c.asClaude, micro(8500));
  // glm-4.7: 3000 × 0.6 + 1000 × 2.2 + 5000 × 0.11 = 1800 + 2200 + 550 = 4550 µ$
  assert.is(attemptCost({ ...r, upstream_model: 'glm-4.7' }, pricing).cost, micro(4550));
  const plan = attemptCost(r, { book: pricing.book, zaiBilling: 'plan' });
  assert.is(plan.cost, 0n);
  assert.is(plan.asClaude, micro(8500));
  const unknown = attemptCost({ ...r, upstream_model: 'glm-9-preview' }, pricing);
  assert.is(unknown.cost, undefined, 'no price is never guessed');
  assert.is(unknown.asClaude, micro(8500));
  // A failed attempt has no tokens: it costs nothing and needs no price.
  assert.is(attemptCost({ lane: 'zai', model: 'claude-haiku-4-5', upstream_model: 'glm-9-preview' }, pricing).cost, 0n);
});

test('a price file overrides and extends the shipped table; a bad one names the entry', () => {
  const file = join(dir, 'prices.json');
  writeFileSync(
    file,
    JSON.stringify({
      entries: [
        {
          provider: 'zai',
          model: 'glm-9-preview',
          input: 0.5,
          output: 1.5,
          cache_write_5m: 0,
          cache_write_1h: 0,
          cache_read: 0.05,
          source: 'my invoice',
          checked: '2026-12-01',
        },
        {
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          input: 0.9,
          output: 4.5,
          cache_write_5m: 1.125,
          cache_write_1h: 1.8,
          cache_read: 0.09,
        },
      ],
    }),
  );
  const book = loadPriceBook(file);
  assert.match(book.origin, file);
  assert.is(book.find('zai', 'glm-9-preview')?.entry.source, 'my invoice');
  assert.is(book.find('anthropic', 'claude-haiku-4-5-20251001')?.entry.rates.input, 0.9);
  assert.is(book.find('anthropic', 'claude-sonnet-4-5')?.entry.rates.input, 3, 'the rest of the shipped table stays');
  assert.throws(
    () => parsePriceFile('{"entries":[{"provider":"openai","model":"x"}]}', 'p.json'),
    (e: Error) => e instanceof PriceFileError && /entries\[0\]: "provider"/.test(e.message),
  );
  assert.throws(
    () =>
      parsePriceFile(
        '{"entries":[{"provider":"zai","model":"x","input":-1,"output":1,"cache_write_5m":0,"cache_write_1h":0,"cache_read":0}]}',
        'p.json',
      ),
    /"input" must be a number/,
  );
  assert.throws(
    () =>
      parsePriceFile(
        '{"entries":[{"provider":"zai","model":"x","input":0.0000001,"output":1,"cache_write_5m":0,"cache_write_1h":0,"cache_read":0}]}',
        'p.json',
      ),
    /six decimals/,
  );
  assert.throws(() => parsePriceFile('nope', 'p.json'), /not JSON/);
});

test('docs/COST.md shows exactly the shipped table', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'COST.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\| (anthropic|zai) \| `([^`]+)` \|(.*)$/.exec(line);
    if (m)
      rows.set(
        `${m[1]} ${m[2]}`,
        m[3]!.split('|').map((c) => c.trim()),
      );
  }
  const book = new PriceBook(SHIPPED_PRICES, 'shipped');
  assert.is(rows.size, book.entries().length, 'one row per entry');
  for (const e of book.entries()) {
    const cells = rows.get(`${e.provider} ${e.model}`);
    assert.ok(cells, `docs/COST.md has no row for ${e.provider} ${e.model}`);
    const r = e.rates;
    assert.equal(
      cells!.slice(0, 5).map(Number),
      [r.input, r.output, r.cache_write_5m, r.cache_write_1h, r.cache_read],
      `${e.model} rates`,
    );
  }
});

// The hand-computed log. Each figure in µ$ (dollars per million tokens × tokens):
//  a) anthropic claude-sonnet-4-5-20250929: 1000 in × 3 + 500 out × 15 + 2000 write × 3.75 + 10000 read × 0.30 = 21000
//  b) anthropic claude-opus-4-5: 200 × 5 + 100 × 25 + 400 5m × 6.25 + 600 1h × 10 = 1000 + 2500 + 2500 + 6000 = 12000
//  c) zai claude-haiku-4-5-20251001 (runs as glm-4.5-air): 3000 × 0.20 + 1000 × 1.10 + 5000 × 0.03 = 1850;
//     as Haiku 4.5: 3000 × 1 + 1000 × 5 + 5000 × 0.10 = 8500 → saved 6650
//  d) zai with upstream_model glm-9-preview: no price on Z.AI; as Haiku 4.5: 10 × 1 + 10 × 5 = 60
//  e) anthropic claude-haiku-4-5 (offload paused): 100 × 1 + 10 × 5 = 150
//  f) a zai 429 without tokens: 0
//  anthropic = 21000 + 12000 + 150 = 33150 → $0.03315; zai = 1850 (+1 no price) → $0.00185; total $0.035
//  saving: as Claude 8500 + 60 = 8560 → $0.00856; on Z.AI 1850; saved 6650 → $0.00665 (+1 no price)
const T = 1_795_000_000;
function line(o: Record<string, unknown>, i: number): string[] {
  const base = {
    v: 1,
    rid: `c${i}`,
    attempt: 1,
    path: '/v1/messages',
    op: 'stream',
    h2: false,
    decision: 'forced_model',
    ...o,
  };
  return [
    JSON.stringify({ ...base, event: 'decision', ts: T + i }),
    JSON.stringify({ ...base, event: 'complete', ts: T + i + 0.5, status: o.status ?? 200, final: true }),
  ];
}
const HAND_LOG = [
  {
    lane: 'anthropic',
    model: 'claude-sonnet-4-5-20250929',
    decision: 'pass_through',
    session: 's-1',
    request_class: 'main',
    input_tokens: 1000,
    output_tokens: 500,
    cache_creation_input_tokens: 2000,
    cache_read_input_tokens: 10000,
  },
  {
    lane: 'anthropic',
    model: 'claude-opus-4-5',
    decision: 'pass_through',
    session: 's-2',
    request_class: 'main',
    input_tokens: 200,
    output_tokens: 100,
    cache_creation_input_tokens: 1000,
    cache_creation_5m_input_tokens: 400,
    cache_creation_1h_input_tokens: 600,
  },
  {
    lane: 'zai',
    model: 'claude-haiku-4-5-20251001',
    session: 's-1',
    request_class: 'background',
    input_tokens: 3000,
    output_tokens: 1000,
    cache_read_input_tokens: 5000,
  },
  {
    lane: 'zai',
    model: 'claude-haiku-4-5-20251001',
    upstream_model: 'glm-9-preview',
    session: 's-1',
    request_class: 'background',
    input_tokens: 10,
    output_tokens: 10,
  },
  { lane: 'anthropic', model: 'claude-haiku-4-5', decision: 'failover_paused', input_tokens: 100, output_tokens: 10 },
  { lane: 'zai', model: 'claude-haiku-4-5', session: 's-2', request_class: 'background', status: 429, err_type: '429' },
].flatMap((o, i) => line(o, i));

test('npm run summarize prints the exact per-lane cost and the saving; --json and METRICS.json carry them', async () => {
  // The kit's own log (CCP_LOGS_DIR): only that one's figures go to results/METRICS.json.
  mkdirSync(join(dir, 'hand-logs'), { recursive: true });
  const file = usageLogPath(join(dir, 'hand-logs'));
  writeFileSync(file, `${HAND_LOG.join('\n')}\n`);
  const env = { CCP_RESULTS_DIR: join(dir, 'results'), CCP_LOGS_DIR: join(dir, 'hand-logs') };
  const r = await npmRun('summarize', [], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  const out = String(r.stdout);
  assert.match(out, /lane anthropic\s+\$0\.03315\n/);
  assert.match(out, /lane zai\s+\$0\.00185 \(\+1 with no price\)/);
  assert.match(out, /all lanes\s+\$0\.035 \(\+1 with no price\)/);
  assert.match(
    out,
    'offload saved   $0.00665: the Z.AI-lane attempts would have cost $0.00856 as Claude and cost $0.00185 on Z.AI; 1 attempt(s) with no price are not in it',
  );
  assert.match(out, 'no price for: zai glm-9-preview');
  const m = JSON.parse(readFileSync(join(dir, 'results', 'METRICS.json'), 'utf8'));
  assert.is(m.cost.by_lane.anthropic.exact, '0.03315');
  assert.is(m.cost.by_lane.anthropic.usd, 0.03315);
  assert.is(m.cost.by_lane.zai.no_price, 1);
  assert.is(m.cost.by_model['anthropic claude-opus-4-5'].exact, '0.012');
  assert.is(m.cost.by_model['zai claude-haiku-4-5-20251001'].priced_as, 'glm-4.5-air');
  assert.is(m.cost.saving.saved.exact, '0.00665');
  assert.is(m.cost.saving.as_claude.exact, '0.00856');
  // Sessions: s-1 = a (21000) + c (1850) + d (no price) = 22850 µ$; s-2 = b (12000) + f (0); (none) = e (150).
  assert.equal(Object.keys(m.by_session), ['s-1', 's-2', '(none)']);
  assert.is(m.by_session['s-1'].cost.exact, '0.02285');
  assert.equal(m.by_session['s-1'].lanes, { anthropic: 1, zai: 2 });
  assert.is(m.by_session['s-1'].saved.exact, '0.00665');
  assert.is(m.by_class.background.cost.exact, '0.00185');
  assert.equal(m.by_class.background.lanes, { zai: 3 });
  assert.is(m.by_class.main.cost.exact, '0.033');

  const bySession = await npmRun('summarize', ['--file', file, '--by', 'session'], env);
  assert.match(
    String(bySession.stdout),
    /^s-1\s+3\s+2\s+1\s+4010\s+1510\s+\$0\.02285 \(\+1 with no price\)\s+\$0\.00665$/m,
  );
  const oneSession = await npmRun('summarize', ['--file', file, '--session', 's-2', '--json'], env);
  const m2 = JSON.parse(String(oneSession.stdout));
  assert.is(m2.totals.requests, 2);
  assert.is(m2.cost.total.exact, '0.012');
  assert.is((await npmRun('summarize', ['--file', file, '--by', 'user'], env)).exitCode, 2);
  for (const task of ['summarize', 'verify-routing']) {
    const bare = await npmRun(task, ['--file', file, '--session'], env);
    assert.is(bare.exitCode, 2, `${task} --session without an id`);
    assert.match(String(bare.stderr), '--session takes a session id');
  }
});

test('ZAI_BILLING=plan: Z.AI tokens still count, cost 0, and the whole Claude price is saved', async () => {
  const file = join(dir, 'hand-plan.jsonl');
  writeFileSync(file, `${HAND_LOG.join('\n')}\n`);
  const r = await npmRun('summarize', ['--file', file, '--json'], {
    CCP_RESULTS_DIR: join(dir, 'results-plan'),
    ZAI_BILLING: 'plan',
  });
  const m = JSON.parse(String(r.stdout));
  assert.is(m.cost.zai_billing, 'plan');
  assert.is(m.cost.by_lane.zai.exact, '0.00');
  assert.is(m.cost.by_lane.zai.no_price, 0);
  assert.is(m.cost.saving.saved.exact, '0.00856');
  assert.is(m.lanes.zai.tokens.input, 3010, 'tokens still count');
});

test('cache writes split by lifetime, end to end: the wire split reaches the log and summarize prices 1h at 2x input, 5m at 1.25x', async () => {
  // Anthropic answers usage.cache_creation split: 2,000 tokens for 5 minutes, 4,000 for 1 hour.
  const usage = {
    input_tokens: 1000,
    output_tokens: 100,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 6000,
    cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 4000 },
  };
  await withRig({ anthropic: { usage } }, async (rig) => {
    const agent = proxyAgent(rig);
    for (const stream of [true, false])
      assert.is((await postMessages(agent, message('claude-sonnet-4-5-20250929', stream))).status, 200);
    await agent.close();
    const lines = completions(rig);
    assert.equal(
      lines.map((l) => [l.op, l.cache_creation_5m_input_tokens, l.cache_creation_1h_input_tokens]),
      [
        ['stream', 2000, 4000],
        ['nonstream', 2000, 4000],
      ],
    );
    const r = await npmRun('summarize', ['--json'], {
      CCP_LOGS_DIR: rig.config.logsDir,
      CCP_RESULTS_DIR: join(rig.dir, 'results'),
    });
    assert.is(r.exitCode, 0, String(r.stderr));
    const m = JSON.parse(String(r.stdout));
    // By hand, Sonnet 4.5 at $3 in, $15 out, $3.75 5m write, $6 1h write per million tokens:
    // 1000×3 + 100×15 + 2000×3.75 + 4000×6 = 3000 + 1500 + 7500 + 24000 = 36000 µ$ = $0.036 a request.
    // (Swapped lifetimes would give 2000×6 + 4000×3.75 = 27000 → $0.0315 for the writes' share.)
    assert.is(m.cost.by_lane.anthropic.exact, '0.072');
  });
});

test('when the Z.AI lane cost more than Anthropic would have, every output says so in words, never a negative "saved"', async () => {
  // Haiku 5.5 at $0.10 in / $0.50 out is cheaper than GLM-4.5-Air pay-as-you-go at $0.20 / $1.10 (docs/COST.md).
  // By hand: as Claude 1000×0.10 + 100×0.50 = 150 µ$; on Z.AI 1000×0.20 + 100×1.10 = 310 µ$; 160 µ$ more.
  const logs = join(dir, 'dearer-logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(
    usageLogPath(logs),
    `${line({ lane: 'zai', upstream: 'api.z.ai', model: 'claude-haiku-5-5', session: 's-9', request_class: 'auxiliary', input_tokens: 1000, output_tokens: 100 }, 0).join('\n')}\n`,
  );
  const env = { CCP_RESULTS_DIR: join(dir, 'dearer-results'), CCP_LOGS_DIR: logs };
  const r = await npmRun('summarize', ['--by', 'session'], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  const out = String(r.stdout);
  assert.match(
    out,
    'offload         the Z.AI lane cost $0.00016 more than Anthropic would have for these requests ($0.00031 on Z.AI against $0.00015 as Claude)',
  );
  assert.match(
    out,
    'kept off Anthropic: 1 request(s) answered on Z.AI, 1000 input + 100 output tokens (+0 cache reads)',
  );
  assert.match(out, /^s-9 .* cost \$0\.00016 more$/m);
  assert.not.match(out, /\$-|saved \$?-/);
  const html = await npmRun('report', ['--html'], env);
  assert.is(html.exitCode, 0, String(html.stderr));
  const page = readFileSync(join(dir, 'dearer-results', 'summary.html'), 'utf8');
  assert.match(page, '<b id="cost-more">The Z.AI lane cost $0.00016 more than Anthropic would have for these requests');
  assert.not.match(page, /\$-\d/);
});

test('summarize --by agent: per kind of work, and for work that stayed on Anthropic what offloading it would have moved', async () => {
  const logs = join(dir, 'agent-logs');
  mkdirSync(logs, { recursive: true });
  const lines = [
    {
      lane: 'anthropic',
      upstream: 'api.anthropic.com',
      decision: 'pass_through',
      model: 'claude-sonnet-4-5',
      request_class: 'main',
      input_tokens: 1000,
      output_tokens: 100,
    },
    {
      lane: 'anthropic',
      upstream: 'api.anthropic.com',
      decision: 'pass_through',
      model: 'claude-sonnet-4-5',
      request_class: 'subagent',
      agent_id: '0123456789abcdef0',
      agent_type: 'general-purpose',
      input_tokens: 2000,
      output_tokens: 200,
    },
    {
      lane: 'zai',
      upstream: 'api.z.ai',
      model: 'claude-haiku-4-5',
      request_class: 'auxiliary',
      input_tokens: 100,
      output_tokens: 10,
    },
    {
      lane: 'anthropic',
      upstream: 'api.anthropic.com',
      decision: 'account_probe',
      model: 'claude-haiku-4-5',
      request_class: 'auxiliary',
      input_tokens: 8,
      output_tokens: 1,
    },
  ].flatMap((o, i) => line(o, i));
  writeFileSync(usageLogPath(logs), `${lines.join('\n')}\n`);
  const env = { CCP_RESULTS_DIR: join(dir, 'agent-results'), CCP_LOGS_DIR: logs };
  const r = await npmRun('summarize', ['--by', 'agent'], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  const out = String(r.stdout);
  // By hand: the subagent's 2000 in + 200 out on Sonnet 4.5 cost 6000 + 3000 = 9000 µ$; on Z.AI as
  // GLM-4.7 ($0.60 / $2.20) 1200 + 440 = 1640 µ$.
  assert.match(
    out,
    /^subagent general-purpose\s+1\s+0\s+1\s+2000\s+200\s+\$0\.009\s+\$0\.00\s+1 attempt\(s\), 2000 in \+ 200 out tok, \$0\.00164 on Z\.AI$/m,
  );
  assert.match(out, /^main\s+1\s+0\s+1\s+1000\s+100\s+\$0\.0045\s+\$0\.00\s+- \(stays; moves only as Haiku\)$/m);
  // The auxiliary row: its Z.AI attempt moved already; the account probe never moves.
  assert.match(out, /^auxiliary\s+2\s+1\s+1\s+.*0 attempt\(s\), 0 in \+ 0 out tok, \$0\.00 on Z\.AI$/m);
  const j = JSON.parse(String((await npmRun('summarize', ['--json'], env)).stdout));
  assert.equal(j.by_work['subagent general-purpose'].would_move, {
    attempts: 1,
    input: 2000,
    output: 200,
    cost_on_zai: j.by_work['subagent general-purpose'].would_move.cost_on_zai,
  });
  assert.is(j.by_work['subagent general-purpose'].would_move.cost_on_zai.exact, '0.00164');
  assert.is(j.by_work.main.would_move, undefined);
  // On a credit plan the same staying work is counted in credits: as GLM-4.7 (4.6 / 1.2 / 16),
  // (2000×4.6 + 200×16) / 10,000 = 12400 / 10,000 = 1.24 credits.
  const plan = String((await npmRun('summarize', ['--by', 'agent'], { ...env, ZAI_BILLING: 'plan' })).stdout);
  assert.match(plan, /^subagent general-purpose\s.*1 attempt\(s\), 2000 in \+ 200 out tok, 1\.24 credits on Z\.AI$/m);
});

test('ZAI_BILLING=plan counts what each Z.AI request spent in credits, by the published multipliers; no rate is said, not guessed', async () => {
  const logs = join(dir, 'credit-logs');
  mkdirSync(logs, { recursive: true });
  const lines = [
    // Mapped to GLM-4.7 (4.6 / 1.2 / 16): (1000×4.6 + 500×1.2 + 100×16) / 10,000 = 6800 / 10,000 = 0.68 credits.
    {
      lane: 'zai',
      upstream: 'api.z.ai',
      model: 'claude-sonnet-4-5',
      upstream_model: 'glm-4.7',
      input_tokens: 1000,
      cache_read_input_tokens: 500,
      output_tokens: 100,
    },
    // Answered by GLM-5.3 (6.9 / 1.7 / 24) although 5.2 was asked: (2000×6.9 + 200×24) / 10,000 = 18600 / 10,000 = 1.86.
    {
      lane: 'zai',
      upstream: 'api.z.ai',
      model: 'claude-sonnet-4-5',
      upstream_model: 'glm-5.2',
      served_model: 'glm-5.3',
      input_tokens: 2000,
      output_tokens: 200,
    },
    // Haiku runs as GLM-4.5-Air by Z.AI's default: no published credit rate.
    { lane: 'zai', upstream: 'api.z.ai', model: 'claude-haiku-4-5', input_tokens: 300, output_tokens: 30 },
  ].flatMap((o, i) => line(o, i));
  writeFileSync(usageLogPath(logs), `${lines.join('\n')}\n`);
  const env = { CCP_RESULTS_DIR: join(dir, 'credit-results'), CCP_LOGS_DIR: logs, ZAI_BILLING: 'plan' };
  const r = await npmRun('summarize', [], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  assert.match(
    String(r.stdout),
    '  Z.AI credits    2.54 (glm-4.7 0.68, glm-5.3 1.86) of the plan, at the full (peak) rate; no published credit rate for glm-4.5-air (1 attempt(s)), not counted (docs/COST.md)',
  );
  const j = JSON.parse(String((await npmRun('summarize', ['--json'], env)).stdout));
  assert.equal(j.cost.credits, {
    total: 2.54,
    by_model: { 'glm-4.7': 0.68, 'glm-5.3': 1.86 },
    no_rate: { 'glm-4.5-air': 1 },
  });
  // Pay-as-you-go billing has no credits.
  assert.is(
    JSON.parse(String((await npmRun('summarize', ['--json'], { ...env, ZAI_BILLING: 'payg' })).stdout)).cost.credits,
    undefined,
  );
});

test('credits, every row of the table by hand: 10,000 input, 20,000 cache-read and 30,000 output tokens cost a + 2b + 3c', () => {
  // Multipliers as Z.AI publishes them (docs/COST.md sources), typed here apart from the table.
  const byHand: Record<string, number> = {
    'glm-5.3': 6.9 + 2 * 1.7 + 3 * 24,
    'glm-5.2': 6.9 + 2 * 1.7 + 3 * 24,
    'glm-5.1': 6.9 + 2 * 1.7 + 3 * 24,
    'glm-5-turbo': 5.7 + 2 * 1.5 + 3 * 21,
    'glm-4.7': 4.6 + 2 * 1.2 + 3 * 16,
  };
  const tokens = {
    input: 10_000,
    cache_read: 20_000,
    output: 30_000,
    cache_write_5m: 0,
    cache_write_1h: 0,
    cache_write_unsplit: 0,
  };
  assert.equal(Object.keys(CREDIT_RATES).sort(), Object.keys(byHand).sort(), 'every row is priced here');
  for (const [model, want] of Object.entries(byHand))
    assert.is(attemptCredits(tokens, model), Math.round(want * 10_000) / 10_000, model);
});

test('a bad ZAI_BILLING or CCP_PRICES_FILE stops the task with the variable named', async () => {
  const bad = await npmRun('summarize', ['--file', join(dir, 'none.jsonl')], { ZAI_BILLING: 'free' });
  assert.is(bad.exitCode, 2);
  assert.match(String(bad.stderr), 'ZAI_BILLING: invalid value "free"');
  const missing = await npmRun('summarize', ['--file', join(dir, 'none.jsonl')], {
    CCP_PRICES_FILE: join(dir, 'absent.json'),
  });
  assert.is(missing.exitCode, 2);
  assert.match(String(missing.stderr), /CCP_PRICES_FILE: cannot read .*absent\.json \(ENOENT\)/);
});

test.run();

// The terminal tables of `npm run summarize`: per lane, cost and saving, and --by session|class. Pure.
import { savingSentence } from '../common/cost.js';
import type { AttributionRow } from './attribution.js';
import type { CostFigure, CostReport } from './cost-summary.js';
import type { GroupSummary, Metrics } from './summarize.js';

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : v >= 10000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}`;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

/** The terminal table. */
export function formatMetrics(m: Metrics): string {
  const head = [
    'group',
    'reqs',
    'errs',
    'lat p50',
    'p95',
    'p99',
    'ttft p50',
    'p95',
    'p99',
    'in tok',
    'out tok',
    'cache r/w',
  ];
  const widths = [30, 6, 5, 8, 7, 7, 8, 7, 7, 9, 8, 13];
  const line = (label: string, g: GroupSummary) =>
    row(
      [
        label,
        String(g.requests),
        String(g.errors),
        fmt(g.latency_ms.p50),
        fmt(g.latency_ms.p95),
        fmt(g.latency_ms.p99),
        fmt(g.ttft_ms.p50),
        fmt(g.ttft_ms.p95),
        fmt(g.ttft_ms.p99),
        String(g.tokens.input),
        String(g.tokens.output),
        `${g.tokens.cache_read}/${g.tokens.cache_creation}`,
      ],
      widths,
    );
  const out: string[] = [row(head, widths), '-'.repeat(widths.reduce((a, b) => a + b + 2, -2))];
  for (const [name, lane] of Object.entries(m.lanes)) {
    out.push(line(`lane ${name}`, lane));
    for (const [k, g] of Object.entries(lane.by_op)) out.push(line(`  op ${k}`, g));
    for (const [k, g] of Object.entries(lane.by_http)) out.push(line(`  http ${k}`, g));
    for (const [k, g] of Object.entries(lane.by_header_mode)) out.push(line(`  header ${k}`, g));
    for (const [k, g] of Object.entries(lane.by_decision)) out.push(line(`  decision ${k}`, g));
    const errs = Object.entries(lane.err_types)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    if (errs) out.push(`  errors by type: ${errs}`);
  }
  out.push(line('all lanes', m.totals));
  const share =
    m.haiku.offload_share === null ? 'n/a (no haiku requests)' : `${(m.haiku.offload_share * 100).toFixed(1)}%`;
  out.push('');
  out.push(`haiku offloaded to zai: ${share} (${m.haiku.answered_on_zai} of ${m.haiku.requests} haiku requests)`);
  const cr = m.client_requests;
  const by = Object.entries(cr.answered_by)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    `client requests: ${cr.total}${by ? ` (answered by ${by})` : ''}; ` +
      `${cr.with_fallback} after a fallback, ${cr.with_retry} after a retry, ${cr.failed} failed; ` +
      'the table above counts attempts',
  );
  const sp = cr.subscription_policy;
  if (sp?.below_threshold)
    out.push(
      `below threshold: ${sp.below_threshold} subagent request(s) stayed on Anthropic while its window was under CCP_OFFLOAD_AT_PCT`,
    );
  if (sp?.overflow.requests)
    out.push(
      `overflow: ${sp.overflow.requests} request(s) answered by Z.AI while the Anthropic window was spent ` +
        `(CCP_OVERFLOW=main, over ${sp.overflow.span_s} s), ${sp.overflow.input_tokens} input + ` +
        `${sp.overflow.output_tokens} output tokens kept off the subscription`,
    );
  const cap = cr.for_capacity;
  if (cap && cap.kept_off + cap.refused > 0)
    out.push(
      `z.ai full: ${cap.kept_off + cap.refused} request(s) bound for Z.AI stayed on Anthropic for capacity ` +
        `(${cap.kept_off} kept off by the in-flight limit, ${cap.refused} after a 1302 concurrency refusal)`,
    );
  // A Claude subscription pays no per-token price: what the offload kept off it is requests and tokens.
  const zai = m.lanes.zai;
  if (zai && (cr.answered_by.zai ?? 0) > 0)
    out.push(
      `kept off Anthropic: ${cr.answered_by.zai} request(s) answered on Z.AI, ` +
        `${zai.tokens.input} input + ${zai.tokens.output} output tokens (+${zai.tokens.cache_read} cache reads); ` +
        'on a Claude subscription that is use it did not count, whatever the dollar figures below say',
    );
  out.push('');
  out.push(...formatCost(m.cost));
  out.push(
    `source: ${m.source.lines} lines in ${m.source.files.length} file(s); malformed ${m.source.malformed}, ` +
      `ignored ${m.source.ignored}, outside window ${m.source.outside_window}`,
  );
  if (m.decisions_without_completion)
    out.push(`in flight or lost: ${m.decisions_without_completion} decision(s) without a completion line`);
  out.push('times in ms; percentiles are exact nearest-rank over every completed attempt');
  return out.join('\n');
}

function money(f: CostFigure): string {
  return `$${f.exact}${f.no_price ? ` (+${f.no_price} with no price)` : ''}`;
}

/** The cost lines of the terminal summary. */
export function formatCost(c: CostReport): string[] {
  const out = [
    `cost (prices: ${c.prices}; Z.AI billed ${c.zai_billing === 'plan' ? 'as a flat plan: its tokens cost 0 at the margin' : 'per token'})`,
  ];
  for (const [lane, f] of Object.entries(c.by_lane)) out.push(`  lane ${lane.padEnd(10)} ${money(f)}`);
  for (const [key, f] of Object.entries(c.by_model))
    out.push(`    ${key}${f.priced_as && !key.endsWith(f.priced_as) ? ` (as ${f.priced_as})` : ''}: ${money(f)}`);
  out.push(`  all lanes       ${money(c.total)}`);
  const s = c.saving;
  if (s.as_claude.priced + s.as_claude.no_price > 0) {
    const saving = savingSentence(s.saved.exact, s.as_claude.exact, s.on_zai.exact);
    out.push(
      `  ${saving.cheaper ? 'offload saved  ' : 'offload        '} ${saving.text}` +
        (s.saved.no_price ? `; ${s.saved.no_price} attempt(s) with no price are not in it` : ''),
    );
  }
  if (c.credits) {
    const by = Object.entries(c.credits.by_model)
      .map(([m, v]) => `${m} ${v}`)
      .join(', ');
    const none = Object.entries(c.credits.no_rate)
      .map(([m, n]) => `${m} (${n} attempt(s))`)
      .join(', ');
    out.push(
      `  Z.AI credits    ${c.credits.total}${by ? ` (${by})` : ''} of the plan, at the full (peak) rate` +
        `${none ? `; no published credit rate for ${none}, not counted` : ''} (docs/COST.md)`,
    );
  }
  if (c.no_price_models.length)
    out.push(
      `  no price for: ${c.no_price_models.join(', ')} (counted as "no price", never guessed; add them with CCP_PRICES_FILE)`,
    );
  return out;
}

/** The `--by session|class|agent` table: attempts per lane, tokens and cost per label, most expensive first. */
export function formatAttribution(rows: Record<string, AttributionRow>, title: string, limit = 50): string {
  const entries = Object.entries(rows);
  const width = Math.min(40, Math.max(title.length, ...entries.map(([k]) => k.length)));
  const moves = entries.some(([, r]) => r.would_move);
  const columns = (name: string, ...figures: [string, string, string, string, string, string]) => {
    const [attempts, zai, anth, inTok, outTok, cost] = figures;
    return (
      `${name.padEnd(width)}  ${attempts.padStart(8)}  ${zai.padStart(5)}  ${anth.padStart(5)}  ` +
      `${inTok.padStart(9)}  ${outTok.padStart(8)}  ${cost.padStart(12)}  `
    );
  };
  type WouldMove = NonNullable<AttributionRow['would_move']>;
  const onZai = (w: WouldMove) =>
    w.credits_on_zai !== undefined
      ? `${w.credits_on_zai} credits${w.credits_no_rate ? ` (+${w.credits_no_rate} with no credit rate)` : ''}`
      : money(w.cost_on_zai);
  const head =
    columns(title, 'attempts', 'zai', 'anth', 'in tok', 'out tok', 'cost') +
    (moves ? `${'saved'.padEnd(14)}  would move to Z.AI (stayed on Anthropic)` : 'saved');
  const out = [head, '-'.repeat(head.length)];
  for (const [k, r] of entries.slice(0, limit)) {
    const saved = r.saved.exact.startsWith('-') ? `cost $${r.saved.exact.slice(1)} more` : `$${r.saved.exact}`;
    const w = r.would_move;
    const move = !moves
      ? ''
      : w
        ? `  ${w.attempts} attempt(s), ${w.input} in + ${w.output} out tok, ${onZai(w)} on Z.AI`
        : '  - (stays; moves only as Haiku)';
    const label = k.length > width ? `${k.slice(0, width - 1)}…` : k;
    const figures = columns(
      label,
      String(r.attempts),
      String(r.lanes.zai ?? 0),
      String(r.lanes.anthropic ?? 0),
      String(r.tokens.input),
      String(r.tokens.output),
      money(r.cost),
    );
    out.push(`${figures}${moves ? saved.padEnd(14) : saved}${move}`);
  }
  if (entries.length > limit) out.push(`… and ${entries.length - limit} more (all of them in --json)`);
  return out.join('\n');
}

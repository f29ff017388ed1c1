// results/summary.html: a self-contained visual report (inline SVG, nothing loaded from anywhere) drawn
// from the same log pass as summarize, with the verify-routing verdict at the top.
import type { LogEntry } from './log-reader.js';
import type { Metrics } from './summarize.js';
import type { Verdict } from './verify.js';
import type { CostFigure } from './cost-summary.js';
import { savingSentence } from '../common/cost.js';

/** Upper bounds (ms) of the distribution buckets; the last bucket is open. */
export const BUCKETS_MS = [100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000];

function bucketLabel(i: number): string {
  const fmt = (ms: number) => (ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`);
  return i < BUCKETS_MS.length ? `≤${fmt(BUCKETS_MS[i]!)}` : `>${fmt(BUCKETS_MS[BUCKETS_MS.length - 1]!)}`;
}

function bucketOf(ms: number): number {
  const i = BUCKETS_MS.findIndex((b) => ms <= b);
  return i === -1 ? BUCKETS_MS.length : i;
}

const MAX_FINE_BINS = 4096;

/** Distributions and a time series, collected in the same pass as the summary. */
export class ReportCollector {
  readonly latency = new Map<string, number[]>();
  readonly ttft = new Map<string, number[]>();
  /** Requests per fine time bin (epoch s / width) and lane; the width doubles whenever there are more
   * than MAX_FINE_BINS bins, so memory stays bounded however long the log is. */
  private readonly fine = new Map<string, Map<number, number>>();
  private fineWidth = 1;

  add(e: LogEntry): void {
    if (e.kind !== 'completion') return;
    const lane = e.lane ?? 'unknown';
    const hist = (m: Map<string, number[]>, v: number | undefined) => {
      if (typeof v !== 'number') return;
      let h = m.get(lane);
      if (!h) m.set(lane, (h = new Array(BUCKETS_MS.length + 1).fill(0)));
      h[bucketOf(v)] = (h[bucketOf(v)] ?? 0) + 1;
    };
    hist(this.latency, e.latency_ms);
    hist(this.ttft, e.ttft_ms);
    let bins = this.fine.get(lane);
    if (!bins) this.fine.set(lane, (bins = new Map()));
    const k = Math.floor(e.ts / this.fineWidth);
    bins.set(k, (bins.get(k) ?? 0) + 1);
    if (bins.size > MAX_FINE_BINS) this.coarsen();
  }

  /** The collector of a later part of the log (only its fields are read: a structured copy will do). */
  absorb(o: ReportCollector): void {
    for (const [mine, theirs] of [
      [this.latency, o.latency],
      [this.ttft, o.ttft],
    ] as const)
      for (const [lane, h] of theirs) {
        const into = mine.get(lane);
        if (into) for (const [i, n] of h.entries()) into[i] = (into[i] ?? 0) + n;
        else mine.set(lane, [...h]);
      }
    while (this.fineWidth < o.fineWidth) this.coarsen();
    const scale = this.fineWidth / o.fineWidth;
    for (const [lane, bins] of o.fine) {
      let into = this.fine.get(lane);
      if (!into) this.fine.set(lane, (into = new Map()));
      for (const [k, n] of bins) {
        const kk = Math.floor(k / scale);
        into.set(kk, (into.get(kk) ?? 0) + n);
      }
    }
    while ([...this.fine.values()].some((b) => b.size > MAX_FINE_BINS)) this.coarsen();
  }

  private coarsen(): void {
    this.fineWidth *= 2;
    for (const [lane, bins] of this.fine) {
      const merged = new Map<number, number>();
      for (const [k, n] of bins) merged.set(Math.floor(k / 2), (merged.get(Math.floor(k / 2)) ?? 0) + n);
      this.fine.set(lane, merged);
    }
  }

  /** Requests per time bin and lane, over the log's span, in at most `bins` bins. */
  series(bins = 24): { start: number; width: number; lanes: Record<string, number[]> } {
    const w = this.fineWidth;
    let min = Infinity;
    let max = -Infinity;
    for (const fine of this.fine.values())
      for (const k of fine.keys()) {
        if (k * w < min) min = k * w;
        if (k * w > max) max = k * w;
      }
    if (min === Infinity) return { start: 0, width: 0, lanes: {} };
    const width = Math.max(1, Math.ceil((max - min + 1e-9) / bins));
    const n = Math.max(1, Math.min(bins, Math.floor((max - min) / width) + 1));
    const lanes: Record<string, number[]> = {};
    for (const [lane, fine] of this.fine) {
      const counts = new Array(n).fill(0);
      for (const [k, c] of fine) counts[Math.min(n - 1, Math.floor((k * w - min) / width))] += c;
      lanes[lane] = counts;
    }
    return { start: min, width, lanes };
  }
}

const COLORS: Record<string, string> = { zai: '#a855f7', anthropic: '#0ea5e9', unknown: '#9ca3af' };

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

interface Bar {
  label: string;
  value: number;
  color?: string;
}

/** A bar chart as inline SVG; each bar carries its label and value as data attributes. */
export function barChart(id: string, title: string, bars: Bar[], opts: { unit?: string } = {}): string {
  const w = 560;
  const h = 220;
  const pad = { l: 48, r: 10, t: 28, b: 46 };
  const max = Math.max(1, ...bars.map((b) => b.value));
  const bw = bars.length ? (w - pad.l - pad.r) / bars.length : 0;
  const y = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - v / max);
  // A handful of readable ticks: a label every `every` bars (at most 8), and values only where they fit.
  const every = Math.max(1, Math.ceil(bars.length / 8));
  const showValues = bars.length <= 16;
  const rects = bars
    .map((b, i) => {
      const x = pad.l + i * bw;
      return (
        `<g data-label="${esc(b.label)}" data-value="${b.value}">` +
        `<rect x="${(x + 2).toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${Math.max(1, bw - 4).toFixed(1)}"` +
        ` height="${(h - pad.b - y(b.value)).toFixed(1)}" fill="${b.color ?? '#64748b'}">` +
        `<title>${esc(b.label)}: ${b.value}${opts.unit ?? ''}</title></rect>` +
        (i % every === 0
          ? `<text class="tick" x="${(x + bw / 2).toFixed(1)}" y="${h - pad.b + 14}" font-size="10"` +
            ` text-anchor="middle" fill="#475569">${esc(b.label)}</text>`
          : '') +
        (b.value && showValues
          ? `<text x="${(x + bw / 2).toFixed(1)}" y="${(y(b.value) - 3).toFixed(1)}" font-size="10"` +
            ` text-anchor="middle" fill="#0f172a">${b.value}</text>`
          : '') +
        `</g>`
      );
    })
    .join('');
  return `<svg data-chart="${esc(id)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}">
<text x="${pad.l}" y="18" font-size="13" font-weight="600" fill="#0f172a">${esc(title)}</text>
<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#94a3b8"/>
<text x="${pad.l - 6}" y="${pad.t + 4}" font-size="10" text-anchor="end" fill="#475569">${max}</text>
${rects}</svg>`;
}

export function htmlReport(m: Metrics, v: Verdict, c: ReportCollector): string {
  const lanes = Object.keys(m.lanes);
  const verdict = v.exitCode === 0 ? 'PASS' : v.exitCode === 2 ? 'NO DATA' : 'FAIL';
  const charts: string[] = [];
  for (const lane of lanes) {
    for (const [kind, map] of [
      ['latency', c.latency],
      ['ttft', c.ttft],
    ] as const) {
      const h = map.get(lane);
      if (!h) continue;
      charts.push(
        barChart(
          `${kind}-${lane}`,
          `${lane} lane: ${kind === 'ttft' ? 'time to first token' : 'latency'} (requests per bucket)`,
          h.map((n, i) => ({ label: bucketLabel(i), value: n, color: COLORS[lane] ?? '#64748b' })),
        ),
      );
    }
  }
  const s = c.series();
  for (const [lane, counts] of Object.entries(s.lanes)) {
    const label = (i: number) =>
      new Date((s.start + i * s.width) * 1000).toISOString().slice(11, s.width < 60 ? 19 : 16);
    charts.push(
      barChart(
        `time-${lane}`,
        `${lane} lane: requests over time (${s.width}s bins, UTC)`,
        counts.map((n, i) => ({ label: label(i), value: n, color: COLORS[lane] ?? '#64748b' })),
      ),
    );
  }
  for (const lane of lanes) {
    const t = m.lanes[lane]!.tokens;
    charts.push(
      barChart(`tokens-${lane}`, `${lane} lane: tokens`, [
        { label: 'input', value: t.input, color: COLORS[lane] },
        { label: 'output', value: t.output, color: COLORS[lane] },
        { label: 'cache read', value: t.cache_read, color: COLORS[lane] },
        { label: 'cache write', value: t.cache_creation, color: COLORS[lane] },
      ]),
    );
  }
  const errs: Record<string, number> = {};
  const decisions: Record<string, number> = {};
  for (const l of Object.values(m.lanes)) {
    for (const [k, n] of Object.entries(l.err_types)) errs[k] = (errs[k] ?? 0) + n;
    for (const [k, g] of Object.entries(l.by_decision)) decisions[k] = (decisions[k] ?? 0) + g.requests;
  }
  charts.push(
    barChart(
      'errors',
      'errors by type',
      Object.entries(errs).map(([label, value]) => ({ label, value, color: '#ef4444' })),
    ),
  );
  charts.push(
    barChart(
      'decisions',
      'requests by decision',
      Object.entries(decisions).map(([label, value]) => ({ label, value, color: '#64748b' })),
    ),
  );

  const cells = (xs: (string | number)[]) => xs.map((x) => `<td>${x}</td>`).join('');
  const head = (names: string[]) => `<thead><tr>${names.map((n) => `<th>${n}</th>`).join('')}</tr></thead>`;
  const checkItem = (ch: Verdict['checks'][number]) =>
    `<li>${ch.pass ? 'PASS' : 'FAIL'} ${esc(ch.name)}: ${esc(ch.detail)}` +
    `${ch.rids.length ? ` [${esc(ch.rids.join(', '))}]` : ''}</li>`;
  const money = (f: CostFigure | undefined) =>
    f ? `$${esc(f.exact)}${f.no_price ? ` (+${f.no_price} no price)` : ''}` : '-';
  const row = (name: string, g: Metrics['totals'], cost: CostFigure | undefined) =>
    `<tr data-lane="${esc(name)}"><td>${esc(name)}</td>` +
    `<td data-k="requests">${g.requests}</td><td data-k="errors">${g.errors}</td>` +
    cells([g.latency_ms.p50 ?? '-', g.latency_ms.p95 ?? '-', g.ttft_ms.p50 ?? '-', g.ttft_ms.p95 ?? '-']) +
    cells([g.tokens.input, g.tokens.output]) +
    `<td data-k="cost">${money(cost)}</td></tr>`;
  const sv = m.cost.saving;
  const said = savingSentence(sv.saved.exact, sv.as_claude.exact, sv.on_zai.exact);
  const verdictText = said.cheaper
    ? `Offload saved <b id="saved">$${esc(sv.saved.exact)}</b>: the Z.AI-lane requests would have cost ` +
      `$${esc(sv.as_claude.exact)} as Claude and cost $${esc(sv.on_zai.exact)} on Z.AI`
    : `<b id="cost-more">${esc(said.text.replace(/^the/, 'The'))}</b>`;
  const noPrice = m.cost.no_price_models.length ? ` No price for ${esc(m.cost.no_price_models.join(', '))}.` : '';
  const saving =
    verdictText +
    (sv.saved.no_price ? ` (${sv.saved.no_price} with no price not counted)` : '') +
    `. Prices: ${esc(m.cost.prices)}; Z.AI billed ${esc(m.cost.zai_billing)}.${noPrice}`;
  const classRows = Object.entries(m.by_class)
    .map(
      ([k, r]) =>
        `<tr data-class="${esc(k)}"><td>${esc(k)}</td>` +
        cells([r.lanes.zai ?? 0, r.lanes.anthropic ?? 0, r.tokens.input, r.tokens.output]) +
        `<td data-k="cost">${money(r.cost)}</td>` +
        cells([
          r.saved.exact.startsWith('-') ? `cost $${esc(r.saved.exact.slice(1))} more` : `$${esc(r.saved.exact)}`,
        ]) +
        '</tr>',
    )
    .join('');
  const share = m.haiku.offload_share === null ? 'n/a' : `${(m.haiku.offload_share * 100).toFixed(1)}%`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ccp-lanes report</title><link rel="icon" href="data:,">
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#0f172a;background:#f8fafc}h1{font-size:20px}
.verdict{padding:10px 14px;border-radius:8px;font-weight:600;margin:12px 0}.PASS{background:#dcfce7}.FAIL{background:#fee2e2}.NO.DATA{background:#fef9c3}
table{border-collapse:collapse;background:#fff}
td,th{padding:4px 10px;border-bottom:1px solid #e2e8f0;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:16px;margin-top:16px}svg{background:#fff;border:1px solid #e2e8f0;border-radius:8px}ul{margin:4px 0}</style></head>
<body><h1>ccp-lanes: usage report</h1>
<div class="verdict ${verdict}" id="verdict" data-exit="${v.exitCode}">verify-routing: ${verdict}
<ul>${v.checks.map(checkItem).join('')}</ul></div>
<p>Log: ${esc(m.source.files.join(', '))}; ${m.source.lines} lines (${m.source.malformed} malformed);
${esc(m.window.first ?? '')} – ${esc(m.window.last ?? '')}.
Haiku offloaded: <b id="offload">${share}</b> (${m.haiku.answered_on_zai} of ${m.haiku.requests}).</p>
<table id="totals">${head(['lane', 'requests', 'errors', 'latency p50', 'p95', 'TTFT p50', 'p95', 'input tok', 'output tok', 'cost'])}
<tbody>${lanes.map((l) => row(l, m.lanes[l]!, m.cost.by_lane[l])).join('')}${row('all lanes', m.totals, m.cost.total)}</tbody></table>
<p id="cost">${saving}</p>
<table id="by-class">${head(['request class', 'zai', 'anthropic', 'input tok', 'output tok', 'cost', 'saved'])}
<tbody>${classRows}</tbody></table>
<p>Times in ms; percentiles are exact nearest-rank over every completed attempt (the same numbers as <code>npm run summarize</code>).</p>
<div class="charts">${charts.join('\n')}</div>
<p>Generated ${esc(m.generated_at)} by <code>npm run report -- --html</code>.</p></body></html>`;
}

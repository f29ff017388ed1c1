// The dashboard's client, served inline in its page (dashboard-page.ts adds `const TOKEN = …` before it):
// reads /__ccp/stats, listens on /__ccp/events, renders, and pauses/resumes with the token.
/* global TOKEN */
let status = null;
const $ = (id) => document.getElementById(id);
const fmt = (v) => (v === undefined || v === null ? '-' : Math.round(v));
const esc = (s) =>
  String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
function renderStatus(s) {
  status = s;
  $('offload').textContent = s.paused ? 'offload paused' : `offload on${s.offload ? ` (${s.offload})` : ''}`;
  $('offload').className = `pill ${s.paused ? 'off' : 'on'}`;
  $('toggle').textContent = s.paused ? 'Resume offload' : 'Pause offload';
  const cd = $('cooldown');
  if (s.zai_cooldown_until) {
    cd.hidden = false;
    cd.textContent =
      'z.ai cooldown (' +
      s.zai_cooldown_reason +
      ') until ' +
      new Date(s.zai_cooldown_until).toLocaleTimeString() +
      ': ' +
      s.zai_cooldown_why;
    // The user has to act on these: the key, the plan or the model map.
    cd.style.fontWeight = ['auth', 'plan', 'model'].includes(s.zai_cooldown_reason) ? '700' : '400';
  } else cd.hidden = true;
  renderLimits(s);
  $('dropped').textContent = s.zai_dropped_fields?.length
    ? `fields dropped for z.ai: ${s.zai_dropped_fields.join(', ')}`
    : '';
}
const pct = (u) => (u === undefined || u === null ? '?' : `${Math.round(u * 100)}%`);
const when = (t) => (t ? new Date(t).toLocaleString() : '?');
/** One window of a limit: its name, how much is used, when it resets, and what else there is to say. */
const windowRow = (name, used, resetsAt, tail = '') =>
  `<div data-window="${esc(name)}">${esc(name)}: ${used}, resets ${esc(when(resetsAt))}${tail}</div>`;
function renderLimits(s) {
  const rows = [];
  const sub = s.subscription;
  if (sub) {
    rows.push(
      '<div data-limits="anthropic"><b>Anthropic subscription</b> ' +
        esc(sub.status ?? '?') +
        (sub.representative_claim ? `, limited by ${esc(sub.representative_claim)}` : '') +
        '</div>',
    );
    for (const w of sub.windows)
      rows.push(windowRow(w.name, `${pct(w.utilization)} used`, w.resets_at, w.status ? ` (${esc(w.status)})` : ''));
  }
  const rw = s.remote_write;
  if (rw)
    rows.push(
      `<div data-limits="remote-write"${rw.last_ok === false ? ' class="err"' : ''}><b>Metrics pushed</b> to ${esc(rw.target)}: ${
        rw.last_push_at
          ? `${esc(new Date(rw.last_push_at).toLocaleTimeString())} ${rw.last_ok ? 'ok' : `failed (${esc(rw.last_error)})`}`
          : 'no push yet'
      }</div>`,
    );
  if (s.overflow)
    rows.push(
      `<div data-limits="overflow" class="err"><b>Anthropic ${esc(s.overflow.window)} limit reached until ${esc(
        new Date(s.overflow.until).toLocaleTimeString(),
      )} — requests on Z.AI (CCP_OVERFLOW=main)</b></div>`,
    );
  if (s.offload_at_pct)
    rows.push(
      `<div data-limits="threshold"><b>Subagents move</b> while the busiest Anthropic window is ≥ ${s.offload_at_pct} %</div>`,
    );
  const f = s.zai_inflight;
  if (f)
    rows.push(
      '<div data-limits="zai-inflight"><b>Z.AI lane in flight</b> ' +
        f.now +
        ' of ' +
        (f.limit === null
          ? 'no limit known yet'
          : f.limit + (f.from === 'set' ? ' (CCP_ZAI_MAX_INFLIGHT)' : ' (learned from 1302)')) +
        (f.kept_off ? `; ${f.kept_off} kept on Anthropic for capacity` : '') +
        '</div>',
    );
  const q = s.zai_quota;
  if (q) {
    rows.push(
      '<div data-limits="zai"><b>Z.AI plan</b> ' +
        esc(q.level ?? '') +
        (q.error ? ` <span class="err">quota unknown: ${esc(q.error)} (routing unchanged)</span>` : '') +
        (s.zai_quota_stop_pct > 0 ? `, Haiku stops at ${s.zai_quota_stop_pct}%` : '') +
        '</div>',
    );
    for (const w of q.windows) {
      const credits =
        w.type === 'CREDIT_LIMIT' && w.allowance !== undefined && w.used !== undefined
          ? ` (${w.used} of ${w.allowance} credits)`
          : '';
      rows.push(windowRow(w.name, `${w.used_pct}% used${credits}`, w.resets_at));
    }
  }
  $('limits').innerHTML = rows.join('') || 'none seen yet';
}
function renderStats(st) {
  $('lanes').innerHTML =
    Object.entries(st.lanes)
      .map(
        ([lane, l]) =>
          '<div class="card ' +
          esc(lane) +
          '" data-lane="' +
          esc(lane) +
          '"><h2>' +
          esc(lane) +
          ' lane</h2><dl>' +
          '<dt>requests</dt><dd data-k="requests">' +
          l.requests +
          '</dd><dt>errors</dt><dd data-k="errors">' +
          l.errors +
          '</dd>' +
          '<dt>TTFT p50 / p95</dt><dd>' +
          fmt(l.ttft_ms.p50) +
          ' / ' +
          fmt(l.ttft_ms.p95) +
          ' ms</dd>' +
          '<dt>latency p50 / p95</dt><dd>' +
          fmt(l.latency_ms.p50) +
          ' / ' +
          fmt(l.latency_ms.p95) +
          ' ms</dd>' +
          '<dt>tokens in / out</dt><dd>' +
          l.tokens.input +
          ' / ' +
          l.tokens.output +
          '</dd><dt>cache read</dt><dd>' +
          l.tokens.cache_read +
          '</dd>' +
          '<dt>cost</dt><dd data-k="cost">$' +
          esc(l.cost.exact) +
          (l.cost.no_price ? ` (+${l.cost.no_price} no price)` : '') +
          '</dd>' +
          (l.saved
            ? String(l.saved.exact).startsWith('-')
              ? '<dt>cost more than Claude</dt><dd data-k="cost-more">$' +
                esc(String(l.saved.exact).slice(1)) +
                ' more</dd>'
              : `<dt>saved vs Claude</dt><dd data-k="saved">$${esc(l.saved.exact)}</dd>`
            : '') +
          '</dl></div>',
      )
      .join('') || '<div class="muted">no requests yet</div>';
  const classes = Object.entries(st.by_class);
  $('cost').innerHTML = classes.length
    ? '<table><thead><tr><th>request class</th><th>zai</th><th>anthropic</th></tr></thead><tbody>' +
      classes
        .map(
          ([k, v]) =>
            '<tr data-class="' +
            esc(k) +
            '"><td>' +
            esc(k) +
            '</td>' +
            ['zai', 'anthropic']
              .map((lane) => `<td>${v[lane] ? `${v[lane].attempts} · $${esc(v[lane].cost.exact)}` : '-'}</td>`)
              .join('') +
            '</tr>',
        )
        .join('') +
      '</tbody></table><div class="muted">prices: ' +
      esc(st.prices) +
      '; Z.AI billed ' +
      esc(st.zai_billing) +
      '</div>'
    : 'no requests yet';
  const work = Object.entries(st.by_work || {});
  $('work').innerHTML = work.length
    ? '<table><thead><tr><th>kind of work</th><th>zai</th><th>anthropic</th><th>would move to Z.AI</th></tr></thead><tbody>' +
      work
        .map(
          ([k, v]) =>
            '<tr data-work="' +
            esc(k) +
            '"><td>' +
            esc(k) +
            '</td>' +
            ['zai', 'anthropic']
              .map(
                (lane) =>
                  '<td>' +
                  (v.lanes[lane] ? `${v.lanes[lane].attempts} · $${esc(v.lanes[lane].cost.exact)}` : '-') +
                  '</td>',
              )
              .join('') +
            '<td data-k="move">' +
            (v.would_move
              ? v.would_move.attempts +
                ' · ' +
                v.would_move.input +
                ' in + ' +
                v.would_move.output +
                ' out · $' +
                esc(v.would_move.cost_on_zai.exact) +
                ' on Z.AI'
              : 'stays (moves only as Haiku)') +
            '</td></tr>',
        )
        .join('') +
      '</tbody></table>'
    : 'no requests yet';
  const errs = Object.entries(st.errors_by_type)
    .map(([k, v]) => `${esc(k)}: ${v}`)
    .join(', ');
  const dec = Object.entries(st.decisions)
    .map(([k, v]) => `${esc(k)}: ${v}`)
    .join(', ');
  $('errs').textContent = '';
  $('errs').innerHTML = `errors: ${errs || 'none'}<br>decisions: ${dec || 'none'}`;
  $('recent').innerHTML = st.recent
    .map(
      (r) =>
        '<tr data-rid="' +
        esc(r.rid) +
        '"><td>' +
        new Date(r.ts * 1000).toLocaleTimeString() +
        '</td><td>' +
        esc(r.model ?? r.path ?? '') +
        '</td><td class="lane-' +
        esc(r.lane) +
        '">' +
        esc(r.lane) +
        '</td><td>' +
        esc(r.decision) +
        '</td><td class="' +
        (r.err_type ? 'err' : '') +
        '">' +
        (r.status ?? '') +
        (r.err_type ? ` ${esc(r.err_type)}` : '') +
        '</td><td>' +
        fmt(r.ttft_ms) +
        '</td><td>' +
        fmt(r.latency_ms) +
        '</td><td>' +
        (r.input_tokens ?? '-') +
        ' / ' +
        (r.output_tokens ?? '-') +
        '</td><td>' +
        esc(r.rid) +
        '</td></tr>',
    )
    .join('');
}
async function refresh() {
  const r = await fetch('/__ccp/stats', { cache: 'no-store' });
  const j = await r.json();
  renderStatus(j.status);
  renderStats(j.stats);
}
$('toggle').addEventListener('click', async () => {
  const what = status?.paused ? 'resume' : 'pause';
  const r = await fetch(`/__ccp/${what}`, { method: 'POST', headers: { 'x-ccp-token': TOKEN } });
  if (r.ok) await refresh();
});
// Live: one event stream; a refresh per event, coalesced so bursts do not storm the proxy.
let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  setTimeout(() => {
    pending = false;
    refresh();
  }, 250);
}
const es = new EventSource('/__ccp/events');
es.addEventListener('open', () => {
  $('conn').textContent = 'live';
});
es.addEventListener('error', () => {
  $('conn').textContent = 'reconnecting…';
});
es.addEventListener('request', schedule);
es.addEventListener('status', schedule);
refresh();

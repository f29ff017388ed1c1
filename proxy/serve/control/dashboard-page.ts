import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../common/config.js';

// The live dashboard: one self-contained page (no CDN, no build step). The control token is embedded so
// the page can pause/resume; another site cannot read it (no CORS) nor send it (custom header → preflight).

/** The document head up to the style. */
const PAGE_HEAD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ccp-lanes: live</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
`;

/** The page's style: lanes as cards, a recent-requests table, pills for offload and cooldown. */
const PAGE_STYLE = `<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#0f1115;color:#e6e6e6}
header{display:flex;gap:16px;align-items:center;padding:12px 20px;background:#181b22;border-bottom:1px solid #2a2f3a}
h1{font-size:16px;margin:0;font-weight:600}
.pill{padding:2px 10px;border-radius:10px;font-size:12px}
.on{background:#1f4d2e;color:#9be6b0}.off{background:#5a3b12;color:#ffd28a}.cool{background:#4a1f1f;color:#ffb0b0}
button{background:#2d3748;color:#fff;border:1px solid #4a5568;border-radius:6px;padding:6px 14px;cursor:pointer}
main{padding:16px 20px;display:grid;gap:16px}
.lanes{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}
.card{background:#181b22;border:1px solid #2a2f3a;border-radius:8px;padding:12px}
.card h2{font-size:14px;margin:0 0 8px}.zai h2{color:#d6a4ff}.anthropic h2{color:#7fd3ff}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0}dt{color:#9aa3b2}dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #2a2f3a}
th{color:#9aa3b2;font-weight:500}.err{color:#ff8a8a}.lane-zai{color:#d6a4ff}.lane-anthropic{color:#7fd3ff}
.muted{color:#9aa3b2;font-size:12px}
</style>`;

/** The markup: header with the pause switch, lane cards, cost by class, limits, errors, recent requests. */
const PAGE_MARKUP = `</head>
<body>
<header><h1>ccp-lanes</h1><span id="offload" class="pill on">offload on</span><span id="cooldown" class="pill cool" hidden></span>
<button id="toggle" type="button">Pause offload</button><span class="muted" id="conn">connecting…</span><span class="muted" id="dropped"></span></header>
<main>
<section class="lanes" id="lanes"></section>
<section class="card"><h2>Cost by request class</h2><div id="cost" class="muted">no requests yet</div></section>
<section class="card"><h2>By kind of work</h2><div id="work" class="muted">no requests yet</div></section>
<section class="card"><h2>Limits</h2><div id="limits" class="muted">none seen yet</div></section>
<section class="card"><h2>Errors and decisions</h2><div id="errs" class="muted">none yet</div></section>
<section class="card"><h2>Recent requests</h2>
<table><thead><tr><th>time</th><th>model / path</th><th>lane</th><th>decision</th><th>status</th><th>TTFT ms</th><th>latency ms</th><th>tokens in/out</th><th>rid</th></tr></thead><tbody id="recent"></tbody></table></section>
</main>
`;

/** The client (dashboard-client.js): read once, served inline (the page loads nothing from anywhere else). */
const PAGE_SCRIPT = readFileSync(join(REPO_ROOT, 'proxy', 'serve', 'control', 'dashboard-client.js'), 'utf8');

export function dashboardHtml(controlToken: string): string {
  // Three parts, each a constant: the page's style, its markup, and its script; only the token varies.
  return `${PAGE_HEAD}${PAGE_STYLE}${PAGE_MARKUP}<script>\nconst TOKEN = ${JSON.stringify(controlToken)};\n${PAGE_SCRIPT}</script></body></html>`;
}

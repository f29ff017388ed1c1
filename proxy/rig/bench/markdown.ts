// results/BENCH.md from one run's figures.
import { MODES, type Stats } from './clients.js';
import { WHY_MISSED, targetsOf } from './targets.js';

/** One row of a markdown table. */
const row = (cells: unknown[]) => `| ${cells.join(' | ')} |`;

// biome-ignore lint/suspicious/noExplicitAny: BENCH.json is read back as loose JSON; every figure is printed as it stands.
export function benchMarkdown(j: Record<string, any>): string {
  const t = targetsOf(j);
  const missed = t.filter((x) => !x.ok);
  // biome-ignore lint/suspicious/noExplicitAny: one mode's figures from the same loose JSON.
  const smallRow = (m: string, s: any) =>
    row([
      m,
      s.sequential_ms.p50,
      s.sequential_ms.p99,
      s.concurrent_ms.p50,
      s.concurrent_ms.p99,
      s.req_per_s,
      s.proxy_cpu_ms_per_request ?? '-',
    ]);
  const out = [
    '# Benchmark',
    '',
    `${j.quick ? 'Quick run (reduced sizes; the full run is `npm run bench`)' : 'Full run'} at ${j.generated_at} ` +
      `on ${j.machine.cores} cores (${j.machine.cpu}), Node ${j.machine.node}, ${j.machine.platform}.`,
    'Client, fake upstreams and proxy share the machine; each scenario ran direct to the fake and through the ' +
      'proxy in interleaved rounds, so compare the modes within this run.',
    '`mitm` = client → HTTPS_PROXY (CONNECT + TLS with the kit CA) → router → fake over TLS; `baseurl` = client → ' +
      'http://127.0.0.1:PORT → router → fake; `direct` = client → fake over TLS.',
    '',
    '## Targets',
    '',
    '| measure | value | target | |',
    '|---|---|---|---|',
    ...t.map((x) => `| ${x.name} | ${x.value} | ${x.target} | ${x.ok ? 'met' : '**missed**'} |`),
    '',
    ...(missed.length
      ? [
          '### What remains and why',
          '',
          ...missed.map(
            (x) => `- ${x.name}: ${WHY_MISSED.find(([re]) => re.test(x.name))?.[1] ?? 'see docs/PERFORMANCE.md.'}`,
          ),
          '',
          'Profiles, the fixes made so far and the next steps: docs/PERFORMANCE.md.',
          '',
        ]
      : []),
    '## Small non-streaming requests (ms)',
    '',
    '| mode | seq p50 | seq p99 | c=20 p50 | c=20 p99 | req/s c=20 | proxy CPU ms/req |',
    '|---|---|---|---|---|---|---|',
    ...MODES.map((m) => smallRow(m, j.small[m])),
    '',
    `## ${j.streams.streams} concurrent streams × ${j.streams.events} events × ${j.streams.gap_ms} ms`,
    '',
    '| mode | event delay p50 | p99 | first event, one stream p50 | p99 | first event, all streams starting at ' +
      'once p50 | p99 | same, on new connections p50 | p99 |',
    '|---|---|---|---|---|---|---|---|---|',
    ...MODES.map((m) =>
      row([
        m,
        j.streams[m].event_delay_ms.p50,
        j.streams[m].event_delay_ms.p99,
        j.streams[m].time_to_first_event_ms.p50,
        j.streams[m].time_to_first_event_ms.p99,
        j.streams[m].first_event_under_load_ms.p50,
        j.streams[m].first_event_under_load_ms.p99,
        j.streams[m].first_event_cold_start_ms?.p50,
        j.streams[m].first_event_cold_start_ms?.p99,
      ]),
    ),
    '',
    "Event delay = client receive time − the fake upstream's send time stamped into each event (both epoch clocks " +
      'of this machine). First event, one stream = sequential streams on a kept-alive connection; all at once = the ' +
      "measured rounds, where the proxy's per-request CPU queues up; on new connections = the warm-up round that " +
      'opens every connection first (CONNECT and a TLS handshake each, which the event delays above do not ' +
      'include).',
    '',
    `## ${j.slow_streams.streams} concurrent slow streams through the proxy`,
    '',
    `All events delivered: ${j.slow_streams.all_events_delivered} (${j.slow_streams.streams_incomplete} incomplete). ` +
      `Proxy RSS ${j.slow_streams.proxy_rss_before_mb} MB before, ${j.slow_streams.proxy_rss_peak_mb} MB peak.`,
    '',
    '## One 2 MB request (ms, non-streaming, model first and stream last as Claude Code sends it)',
    '',
    '| mode | p50 | p99 |',
    '|---|---|---|',
    ...MODES.map((m) => `| ${m} | ${j.large_request[m].p50} | ${j.large_request[m].p99} |`),
    '',
    `## Subagent fan-out: ${j.fan_out.agents} × ${j.fan_out.turns} streamed requests, Z.AI takes ${j.fan_out.zai_takes} at once`,
    '',
    '| round | offloaded: wall ms | answered by Z.AI | refused by Z.AI (1302) | Anthropic only: wall ms |',
    '|---|---|---|---|---|',
    ...j.fan_out.offloaded.map((b: { wall_ms: number; answered_by_zai: number; refused_by_zai: number }, i: number) =>
      row([i + 1, b.wall_ms, b.answered_by_zai, b.refused_by_zai, j.fan_out.anthropic_only[i].wall_ms]),
    ),
    '',
    `Median share answered by Z.AI ${j.fan_out.zai_share}; wall time offloaded / Anthropic only ` +
      `${j.fan_out.wall_ratio}×; errors that reached a client ${j.fan_out.client_errors}. ` +
      "Counted by the simulated Z.AI's own answers.",
    '',
    `## Readers over a ${j.readers.lines.toLocaleString('en-US')}-line log (${j.readers.bytes_per_line} bytes a line)`,
    '',
    '| reader | s (median) | × plain JSON.parse | peak RSS MB |',
    '|---|---|---|---|',
    ...(['json_parse', 'summarize', 'verify', 'report'] as const).map((k) =>
      row([k.replace('_', '-'), j.readers[`${k}_s`], j.readers[`${k}_ratio`] ?? 1, j.readers[`${k}_rss_mb`]]),
    ),
    '',
    `Each its own process started as npm runs it (the esbuild launcher), ${j.readers.rounds} interleaved round(s). ` +
      `Live heap of report's three tallies after a full GC every half log, over the log read twice ` +
      '(the same sessions again; each session is a row of by_session): ' +
      `${(j.readers.report_live_heap_mb ?? []).join(' → ')} MB.`,
    '',
    `## A burst of ${j.burst.burst} new connections while ${j.burst.running} streams run (${j.burst.rounds} rounds)`,
    '',
    '| way in | burst: first event p50 | p99 | running streams: event delay p50 | p99 | errors |',
    '|---|---|---|---|---|---|',
    ...Object.entries(j.burst.ways).map(([w, f]) => {
      const x = f as { burst_ttfe_ms: Stats; running_event_delay_ms: Stats; errors: number };
      return row([
        w,
        x.burst_ttfe_ms.p50,
        x.burst_ttfe_ms.p99,
        x.running_event_delay_ms.p50,
        x.running_event_delay_ms.p99,
        x.errors,
      ]);
    }),
    '',
    'nginx: a TLS hop (ECDSA P-256 leaf, a worker per core) in front of the same fake; the proxy and mitmproxy ' +
      'as HTTPS proxies (CONNECT, then TLS with their own CA). ' +
      (j.burst.missing_peers?.length ? `Not run (not installed): ${j.burst.missing_peers.join(', ')}.` : ''),
    '',
    `## Footprint`,
    '',
    `Proxy RSS ${j.footprint.idle_after_s} s after ready, no request yet: ${j.footprint.idle_rss_mb.join(', ')} MB ` +
      `(median ${j.footprint.idle_rss_median_mb} MB).`,
    '',
    '## Start-up',
    '',
    `Ready in ${j.startup.ready_ms} ms with the CA present (${j.startup.spawn_to_ready_ms} ms from spawn, ` +
      `including bundling the sources); first-ever start ${j.startup.first_start_ready_ms} ms ` +
      `(CA generated; ${j.startup.first_start_spawn_to_ready_ms} ms from spawn).`,
    '',
  ];
  return out.join('\n');
}

// results/PROVE.md: what `npm run prove` saw with the user's real claude, so the evidence holds the real
// CLI's run beside the pilot's (results/TESTS.md, against the built-in fakes). Pure.
import type { ProveResult } from './prove.js';

export const PROVE_REPORT = 'PROVE.md';

export function proveMarkdown(
  r: ProveResult,
  meta: { now: Date; claudeVersion: string; port: number; logPath: string },
): string {
  const rows = r.runs.flatMap((run) =>
    run.completions.length
      ? run.completions.map(
          (c) =>
            `| ${run.model} | ${run.ok ? 'answered' : 'FAILED'} | ${c.model ?? '-'} | ${c.lane} | ${c.status ?? '-'} | ${c.decision} | ${c.rid} |`,
        )
      : [`| ${run.model} | ${run.ok ? 'answered' : 'FAILED'} | - | - | - | no /v1/messages line | - |`],
  );
  return [
    '# Real Claude Code through the running proxy (`npm run prove`)',
    '',
    `Run ${meta.now.toISOString()} with claude ${meta.claudeVersion} through the proxy on 127.0.0.1:${meta.port}; usage log ${meta.logPath}.`,
    '',
    `Verdict: **${r.ok ? 'PASS' : 'FAIL'}**`,
    '',
    '| asked | claude | model in the log | lane | status | decision | rid |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '## verify-routing on these requests',
    '',
    ...r.verdict.checks.map((c) => `- ${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`),
    '',
  ].join('\n');
}

/** The verdict line of an existing PROVE.md, for the pilot's report to point at; undefined when there is none. */
export function proveVerdict(markdown: string): { when: string; verdict: string } | undefined {
  const when = /^Run (\S+) with claude/m.exec(markdown)?.[1];
  const verdict = /^Verdict: \*\*(PASS|FAIL)\*\*/m.exec(markdown)?.[1];
  return when && verdict ? { when, verdict } : undefined;
}

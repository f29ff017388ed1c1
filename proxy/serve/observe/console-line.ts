// One short line per completed request for the mitm console. Pure: colours are passed in.
import type { UsageRecord } from '../../common/log-schema.js';

export interface Paint {
  zai(s: string): string;
  anthropic(s: string): string;
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
}

export const NO_PAINT: Paint = { zai: (s) => s, anthropic: (s) => s, ok: (s) => s, bad: (s) => s, dim: (s) => s };

function ms(v: number | undefined): string {
  if (v === undefined) return '-';
  return v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}ms`;
}

/** 1204 → "1,204" (toLocaleString goes through ICU, measurably slower on a line per request). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function clock(ts: number): string {
  const d = new Date(ts * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** e.g. `14:02:11 claude-haiku-4-5 → zai 200 ttft 412ms 1.9s in 1,204 out 88 [haiku model → zai lane]` */
export function formatRequestLine(r: UsageRecord, paint: Paint = NO_PAINT): string {
  const lane = r.lane === 'zai' ? paint.zai('zai') : paint.anthropic('anthropic');
  // On the Z.AI lane, the GLM model that really answered next to the one asked for.
  const ran = r.served_model ?? r.upstream_model;
  const what = `${r.model ?? r.path}${r.lane === 'zai' && ran ? ` (as ${ran})` : ''}`;
  const failed = r.err_type !== undefined;
  const status = failed ? paint.bad(`${r.status ?? 0} ${r.err_type}`) : paint.ok(String(r.status ?? 0));
  const tokens =
    r.input_tokens !== undefined || r.output_tokens !== undefined
      ? ` in ${thousands(r.input_tokens ?? 0)} out ${thousands(r.output_tokens ?? 0)}` +
        (r.cache_read_input_tokens ? ` cache ${thousands(r.cache_read_input_tokens)}` : '')
      : '';
  const ttft = r.ttft_ms !== undefined ? ` ttft ${ms(r.ttft_ms)}` : '';
  const extra = [
    r.attempt > 1 ? `attempt ${r.attempt}` : '',
    r.h2 ? 'h2' : '',
    r.final === false ? paint.dim(`replaced (${r.zai_failure ?? 'failed'})`) : '',
    r.redial ? 'redialled' : '',
    r.zai_dropped_fields?.length ? `dropped ${r.zai_dropped_fields.join(',')}` : '',
    r.cooldown_reason ? `cooldown ${r.cooldown_reason}` : '',
    r.thinking_disabled ? paint.bad('thinking off') : '',
    r.proxy_status ? `proxy answered ${r.proxy_status}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return `${paint.dim(clock(r.ts))} ${what} → ${lane} ${status}${ttft} ${ms(r.latency_ms)}${tokens}${extra ? ` ${extra}` : ''} ${paint.dim(`[${r.decision}: ${r.reason ?? ''}] ${r.rid}`)}`;
}

// The Z.AI plan's quota, read before it bites: GET <Z.AI origin>/api/monitor/usage/quota/limit (the
// endpoint Z.AI's own usage plugin reads; docs/ZAI.md "Plan quota"). Parsing and the stop decision are
// pure; ZaiQuotaWatch reads it at start and after Z.AI-lane answers, at most every CCP_ZAI_QUOTA_POLL_S.
// A read that fails changes nothing: the quota is "unknown" and routing goes on as before.
import type { Config } from '../../common/config.js';
import { exhaustedWindows, type QuotaStatus, type QuotaWindowStatus } from '../../common/proxy-status.js';
import type { QuotaView } from './zai-lane-health.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import type { CooldownPlan } from './zai-failures.js';
import { otherKeyMode, QUOTA_KEY_MODES, zaiKeyHeader, type ZaiKeyMode } from '../upstream/zai-key.js';

export const QUOTA_PATH = '/api/monitor/usage/quota/limit';

/** A reset time further ahead than this is not believed (the same bound as a 1308/1310's reset time). */
const MAX_RESET_AHEAD_MS = 31 * 24 * 3600 * 1000;
const READ_TIMEOUT_MS = 10_000;
const MAX_BODY = 64 * 1024;

/**
 * A window's name from its `unit` and `number`. Which unit means what is not documented: unit 3 with
 * number 5 is the 5-hour token window in every client seen; unit 6 is read as weekly and unit 5 as
 * monthly by most of them. The stop rule does not depend on the names.
 */
export function windowName(type: string, unit: unknown, number: unknown): string {
  const kind =
    type === 'TOKENS_LIMIT'
      ? 'tokens'
      : type === 'CREDIT_LIMIT'
        ? 'credits'
        : type === 'TIME_LIMIT'
          ? 'tools'
          : type.toLowerCase();
  const n = typeof number === 'number' ? number : 1;
  if (unit === 3) return `${kind} ${n}h`;
  if (unit === 6) return `${kind} ${n === 1 ? '' : `${n}×`}week`;
  if (unit === 5) return `${kind} ${n === 1 ? '' : `${n}×`}month`;
  return `${kind} (unit ${String(unit)}, ${n})`;
}

/** The quota answer as status shows it, or a one-line reason it could not be read. */
export function parseQuotaAnswer(status: number, text: string, nowMs: number): QuotaStatus | string {
  if (status !== 200) return `HTTP ${status}`;
  let j: { code?: unknown; success?: unknown; msg?: unknown; data?: { limits?: unknown; level?: unknown } };
  try {
    j = JSON.parse(text);
  } catch {
    return 'the answer is not JSON';
  }
  if (j.success === false || (j.code !== undefined && j.code !== 200))
    return `refused: ${String(j.msg ?? j.code).slice(0, 120)}`;
  const limits = j.data?.limits;
  if (!Array.isArray(limits)) return 'no data.limits in the answer';
  const windows: QuotaWindowStatus[] = [];
  for (const l of limits as Record<string, unknown>[]) {
    if (!l || typeof l.type !== 'string' || typeof l.percentage !== 'number' || !Number.isFinite(l.percentage))
      continue;
    const reset =
      typeof l.nextResetTime === 'number' && l.nextResetTime > nowMs && l.nextResetTime - nowMs <= MAX_RESET_AHEAD_MS
        ? l.nextResetTime
        : undefined;
    const allowance = typeof l.usage === 'number' && Number.isFinite(l.usage) && l.usage > 0 ? l.usage : undefined;
    const used = typeof l.currentValue === 'number' && Number.isFinite(l.currentValue) ? l.currentValue : undefined;
    // `percentage` is rounded to a whole number; with both figures the stop rule gets the exact share.
    const usedPct =
      allowance !== undefined && used !== undefined ? Math.round((used / allowance) * 1000) / 10 : l.percentage;
    windows.push({
      name: windowName(l.type, l.unit, l.number),
      type: l.type,
      used_pct: usedPct,
      ...(allowance !== undefined ? { allowance } : {}),
      ...(used !== undefined ? { used } : {}),
      ...(reset !== undefined ? { resets_at: new Date(reset).toISOString() } : {}),
    });
  }
  if (!windows.length) return 'no readable window in data.limits';
  return {
    read_at: new Date(nowMs).toISOString(),
    ...(typeof j.data?.level === 'string' ? { level: j.data.level } : {}),
    windows,
  };
}

/**
 * The cooldown a quota calls for: every token window used up to `stopPct` keeps Haiku on Anthropic
 * until the last of them resets. A window without a believable reset time gets the short cooldown
 * (it is read again after it). Tool windows (TIME_LIMIT: web search and reader calls) never stop Haiku.
 */
export function quotaStop(
  q: QuotaStatus,
  stopPct: number,
  shortCooldownS: number,
  nowMs: number,
): CooldownPlan | undefined {
  const full = exhaustedWindows(q, stopPct);
  if (!full.length) return undefined;
  const untils = full.map((w) => (w.resets_at ? Date.parse(w.resets_at) : nowMs + shortCooldownS * 1000));
  const untilMs = Math.max(...untils);
  if (untilMs <= nowMs) return undefined;
  const names = full.map((w) => `${w.name} ${w.used_pct}%`).join(', ');
  return {
    reason: 'quota',
    untilMs,
    why: `Z.AI plan quota ${names} used (CCP_ZAI_QUOTA_STOP_PCT=${stopPct}); the Z.AI lane stops until ${new Date(untilMs).toISOString()}`,
  };
}

/** The owner of the quota's state: its last read, and the stop it decided (the lane reads both as QuotaView). */
export class ZaiQuotaWatch implements QuotaView {
  #quota: QuotaStatus | undefined;
  #stop: CooldownPlan | undefined;
  private lastReadMs = -Infinity;
  private reading: Promise<void> | undefined;
  /** How the key is sent to the quota endpoint (upstream/zai-key.ts): the one that answered is kept. */
  private keyMode: ZaiKeyMode = QUOTA_KEY_MODES[0]!;

  constructor(
    private readonly config: Config,
    private readonly pool: UpstreamPool,
    /** Said once when a read turns on the quota stop. */
    private readonly alert: (text: string) => void,
  ) {}

  get quota(): QuotaStatus | undefined {
    return this.#quota;
  }

  /** The quota stop in force at `nowMs`: Haiku stays off Z.AI until the full window resets. */
  stop(nowMs = Date.now()): CooldownPlan | undefined {
    return this.#stop && this.#stop.untilMs > nowMs ? this.#stop : undefined;
  }

  /** Read only where it matters: a key, polling on, and Haiku offloaded at start. */
  get enabled(): boolean {
    return this.config.zaiApiKey !== undefined && this.config.zaiQuotaPollS > 0 && this.config.offload.haiku;
  }

  /** Read now unless a read ran less than CCP_ZAI_QUOTA_POLL_S ago (or is running). Never throws. */
  poll(nowMs = Date.now()): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (this.reading) return this.reading;
    if (nowMs - this.lastReadMs < this.config.zaiQuotaPollS * 1000) return Promise.resolve();
    this.lastReadMs = nowMs;
    this.reading = this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    let answer = await this.get(this.keyMode);
    if (answer.status === 401 || answer.status === 403) {
      const other = otherKeyMode(this.keyMode, QUOTA_KEY_MODES);
      const second = await this.get(other);
      if (second.status === 200) this.keyMode = other;
      answer = second.status === 200 ? second : answer;
    }
    const now = Date.now();
    const parsed = answer.error ? answer.error : parseQuotaAnswer(answer.status, answer.text, now);
    if (typeof parsed === 'string') {
      // Unknown is not exhausted: routing stays as it was; the last windows are kept for reference.
      this.#quota = {
        ...(this.#quota ?? { windows: [] }),
        unknown_since: this.#quota?.unknown_since ?? new Date(now).toISOString(),
        error: parsed,
      };
      return;
    }
    this.#quota = parsed;
    const stop = quotaStop(parsed, this.config.zaiQuotaStopPct, this.config.zaiCooldownS || 300, now);
    // A stop that ends later than the one in force replaces it, and is said once.
    if (stop && stop.untilMs > (this.stop(now)?.untilMs ?? 0)) {
      this.#stop = stop;
      this.alert(stop.why);
    }
  }

  private get(mode: ZaiKeyMode): Promise<{ status: number; text: string; error?: string }> {
    const url = new URL(QUOTA_PATH, this.config.zaiBaseUrl.origin);
    const key = this.config.zaiApiKey ?? '';
    return new Promise((resolve) => {
      const req = this.pool.request(
        url,
        {
          method: 'GET',
          headers: {
            ...Object.fromEntries([zaiKeyHeader(mode, key)]),
            accept: 'application/json',
            'accept-language': 'en-US,en',
          },
          timeout: READ_TIMEOUT_MS,
        },
        false,
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${READ_TIMEOUT_MS / 1000} s`)));
      req.on('error', (e) => resolve({ status: 0, text: '', error: `cannot reach ${url.host}: ${e.message}` }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve({ status: 0, text: '', error: e.message }));
      });
      req.end();
    });
  }
}

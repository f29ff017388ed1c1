// Pushes the series /__ccp/metrics exposes (names and labels unchanged, plus `ccp_user` and the extra
// labels) to a Prometheus remote_write receiver every CCP_REMOTE_WRITE_INTERVAL_S, so a team sees every
// laptop in one place (Prometheus, Mimir/Grafana Cloud, Thanos Receive, Cortex, VictoriaMetrics). The
// protocol (protobuf + snappy) is prometheus-remote-write's. Off the request path: a timer, never awaited
// by a request. Nothing is queued: counters are cumulative, so the next push after an outage carries
// everything; a failing receiver only spaces the pushes out (backoff up to 5 minutes) and is said once,
// and once more when it recovers. Credentials are sent, never printed.
import type { Registry } from 'prom-client';
import { Agent } from 'undici';
import type { RemoteWriteSettings } from '../../common/config.js';
import type { RemoteWriteStatus } from '../../common/proxy-status.js';
import { pushSeries, type Series } from '../../common/remote-write-client.js';

const MAX_BACKOFF_MS = 5 * 60_000;

/** The registry's current values as remote_write series, each with `ccp_user` and the extra labels. */
export async function seriesOf(
  registry: Registry,
  identity: string,
  extra: Record<string, string>,
  nowMs: number,
): Promise<Series[]> {
  const out: Series[] = [];
  for (const m of await registry.getMetricsAsJSON()) {
    for (const v of m.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]) {
      const labels: Series['labels'] = { __name__: v.metricName ?? m.name, ...extra, ccp_user: identity };
      for (const [k, x] of Object.entries(v.labels)) labels[k] = String(x);
      out.push({ labels, samples: [{ value: v.value, timestamp: nowMs }] });
    }
  }
  return out;
}

export class RemoteWrite {
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;
  private readonly dispatcher: Agent;
  readonly status: RemoteWriteStatus;

  constructor(
    private readonly settings: RemoteWriteSettings,
    private readonly registry: Registry,
    /** One console line: when pushing starts failing, and when it recovers. */
    private readonly say: (text: string) => void,
    upstreamCa?: string,
  ) {
    this.delayMs = settings.intervalS * 1000;
    // https receivers are verified, against CCP_UPSTREAM_CA too when set (a corporate root).
    this.dispatcher = new Agent({ connect: upstreamCa ? { ca: upstreamCa } : {} });
    const u = settings.url;
    this.status = {
      target: `${u.protocol}//${u.host}${u.pathname}`,
      last_push_at: null,
      last_ok: null,
      last_error: null,
      failing_since: null,
      series_sent: 0,
    };
  }

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.pushNow().finally(() => this.schedule()), this.delayMs);
    this.timer.unref();
  }

  /** One push of the current values; never throws. */
  async pushNow(): Promise<boolean> {
    const now = Date.now();
    let error: string | undefined;
    let sent = 0;
    try {
      const series = await seriesOf(this.registry, this.settings.identity, this.settings.labels, now);
      sent = series.length;
      error = await pushSeries(this.settings, series, this.dispatcher);
    } catch (e) {
      const err = e as Error & { cause?: Error };
      error = err.cause?.message ?? err.message;
    }
    this.status.last_push_at = new Date(now).toISOString();
    this.status.last_ok = error === undefined;
    if (error === undefined) {
      this.status.series_sent = sent;
      if (this.status.failing_since)
        this.say(`ccp: remote_write to ${this.status.target} works again; the counters carry everything since`);
      this.status.failing_since = null;
      this.status.last_error = null;
      this.delayMs = this.settings.intervalS * 1000;
      return true;
    }
    if (!this.status.failing_since) {
      this.status.failing_since = this.status.last_push_at;
      this.say(
        `ccp: remote_write to ${this.status.target} failed (${error}); the proxy goes on, retrying with backoff`,
      );
    }
    this.status.last_error = error;
    this.delayMs = Math.min(MAX_BACKOFF_MS, this.delayMs * 2);
    return false;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    void this.dispatcher.close();
  }
}

// One remote_write request (Prometheus' protocol: protobuf + snappy, by prometheus-remote-write) to the
// receiver CCP_REMOTE_WRITE_URL names, with its credentials. Used by the running proxy's pusher and by
// doctor's check of the endpoint. Credentials go in headers only, never in a message.
import { pushTimeseries } from 'prometheus-remote-write';
import { fetch, type Dispatcher } from 'undici';
import type { RemoteWriteSettings } from './config.js';

export interface Series {
  labels: { __name__: string; [k: string]: string };
  samples: { value: number; timestamp: number }[];
}

const PUSH_TIMEOUT_MS = 10_000;

/** Pushes `series`; undefined when the receiver took them, else one line saying why not. Never throws. */
export async function pushSeries(
  settings: RemoteWriteSettings,
  series: Series[],
  dispatcher?: Dispatcher,
): Promise<string | undefined> {
  const auth = settings.auth;
  try {
    const r = await pushTimeseries(series, {
      url: settings.url.href,
      ...(auth && 'username' in auth ? { auth } : {}),
      headers: {
        'Content-Encoding': 'snappy',
        'X-Prometheus-Remote-Write-Version': '0.1.0',
        'User-Agent': 'ccp-lanes',
        ...(auth && 'bearer' in auth ? { Authorization: `Bearer ${auth.bearer}` } : {}),
      },
      timeout: PUSH_TIMEOUT_MS,
      fetch: (url: string, init?: { method: string; headers: Record<string, string>; body: ArrayBufferLike }) =>
        fetch(url, {
          method: init?.method ?? 'POST',
          headers: init?.headers ?? {},
          body: init ? Buffer.from(init.body as ArrayBuffer) : undefined,
          ...(dispatcher ? { dispatcher } : {}),
          signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
        }),
    } as Parameters<typeof pushTimeseries>[1]);
    if (r.status >= 200 && r.status < 300) return undefined;
    return `HTTP ${r.status}${r.errorMessage ? `: ${r.errorMessage.trim().slice(0, 200)}` : ''}`;
  } catch (e) {
    const err = e as Error & { cause?: Error };
    return err.cause?.message ?? err.message;
  }
}

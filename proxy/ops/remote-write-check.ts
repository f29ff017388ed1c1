// doctor's check of the remote_write endpoint: one probe write with the proxy's settings and trust.
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { Config } from '../common/config.js';
import { pushSeries } from '../common/remote-write-client.js';

/**
 * CCP_REMOTE_WRITE_URL: one write of a probe sample (`ccp_doctor_check`), the way the proxy pushes —
 * reachable, accepted, the credentials taken — and the fix when not; undefined when remote_write is off.
 */
export async function remoteWriteCheck(
  config: Config,
): Promise<{ status: 'OK' | 'FAIL'; detail: string; fix?: string } | undefined> {
  const rw = config.remoteWrite;
  if (!rw) return undefined;
  const target = `${rw.url.protocol}//${rw.url.host}${rw.url.pathname}`;
  const now = Date.now();
  // The same trust as the proxy's pusher: the system's roots, and CCP_UPSTREAM_CA (a corporate root).
  const caFile = config.upstreamCaFile;
  const dispatcher = caFile ? new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } }) : undefined;
  const probe = { __name__: 'ccp_doctor_check', ccp_user: rw.identity, ...rw.labels };
  const error = await pushSeries(rw, [{ labels: probe, samples: [{ value: 1, timestamp: now }] }], dispatcher);
  await dispatcher?.close();
  if (!error) return { status: 'OK', detail: `${target} accepts a write (as ccp_user="${rw.identity}")` };
  const fix = /^HTTP 40[13]\b/.test(error)
    ? 'check CCP_REMOTE_WRITE_USERNAME and CCP_REMOTE_WRITE_PASSWORD, or CCP_REMOTE_WRITE_BEARER_TOKEN (in .env)'
    : /^HTTP 404\b/.test(error)
      ? 'check the path: Prometheus /api/v1/write, Mimir and Grafana Cloud /api/prom/push or /api/v1/push, VictoriaMetrics /api/v1/write'
      : 'check CCP_REMOTE_WRITE_URL and that the receiver runs (Prometheus: --web.enable-remote-write-receiver)';
  return { status: 'FAIL', detail: `${target} did not take a write: ${error}`, fix };
}

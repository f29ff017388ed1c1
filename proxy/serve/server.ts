// Assembles one proxy process: CA → router → front, with the usage log and body tee as observers.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ensureCa, type CaFiles } from './front/ca.js';
import { INTERCEPT_HOSTS, type Config } from '../common/config.js';
import { usageLogPath } from '../common/logs-layout.js';
import { SCHEMA_VERSION, type RunRecord } from '../common/log-schema.js';
import { runSettings } from '../common/run-settings.js';
import type { ProxyStatus } from '../common/proxy-status.js';
import { startFront, type Front } from './front/front.js';
import { Toggles, type TogglesView } from './lane/toggles.js';
import { SubscriptionWindows, type SubscriptionView } from './lane/subscription-windows.js';
import type { ZaiLaneView } from './lane/zai-lane-health.js';
import { parseSubscriptionStatus } from './upstream/subscription-limits.js';
import { Router, type AttemptEvent } from './lane/router.js';
import { UsageLog } from './observe/usage-log.js';
import { createBodyTee } from './observe/body-tee.js';
import { leftOpen, readTail } from './observe/left-open.js';
import { isAlive } from '../common/process-alive.js';
import type { RemoteWrite } from './observe/remote-write.js';
import { ControlApi } from './control/control.js';
import { LiveStats } from './observe/live-stats.js';
import { UpstreamPool } from './upstream/upstream-pool.js';
import { ZaiQuotaWatch } from './lane/zai-quota.js';
import type { ZaiCapacityView } from './lane/zai-capacity.js';

export interface ProxyHandle {
  port: number;
  ca: CaFiles;
  config: Config;
  /** The pause and the offload policy (switched through the control endpoints). */
  toggles: TogglesView;
  /** The Z.AI lane's health (header mode, cooldown, refused fields, quota), read-only. */
  zaiLane: ZaiLaneView;
  /** The Z.AI lane's in-flight slots, read-only (the router's attempt policy owns them). */
  zaiCapacity: ZaiCapacityView;
  /** The Anthropic subscription's windows from its last answer. */
  subscription: SubscriptionView;
  router: Router;
  front: Front;
  logPath: string;
  controlToken: string;
  startedAt: Date;
  /** Milliseconds from startProxy() to ready. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Live memory in MB. With --expose-gc (the load tasks start the proxy so) a GC runs first, so the figures are live data. */
export function memoryMb(): { rss: number; heap_used: number; array_buffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  return { rss: mb(m.rss), heap_used: mb(m.heapUsed), array_buffers: mb(m.arrayBuffers) };
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
    this.name = 'PortInUseError';
  }
}

interface Core {
  config: Config;
  ca: CaFiles;
  /** Written only by the control room. */
  toggles: Toggles;
  /** Written only by its observer on the router's answers (makeRouter). */
  subscription: SubscriptionWindows;
  live: LiveStats;
  log: UsageLog;
  logPath: string;
  startedAt: Date;
  /** The run line, once the port is known. */
  run?: RunRecord;
}

/** The run line: at start, and again (with the time of the change) when the offload policy is switched live. */
function runRecord(
  core: Core,
  port: number,
  headerMode: RunRecord['zai_header_mode'],
  atMs = core.startedAt.getTime(),
): RunRecord {
  const { toggles } = core;
  return {
    v: SCHEMA_VERSION,
    event: 'run',
    ts: atMs / 1000,
    pid: process.pid,
    port,
    started_at: core.startedAt.toISOString(),
    ...runSettings(core.config, {
      paused: toggles.paused,
      pausedFrom: toggles.pauseAtStart.from,
      headerMode,
      offload: toggles.offload,
    }),
  };
}

/** GET /__ccp/ping: `ccp-lanes pid=… port=… ca=<SHA-256>`; cheap (no memory figures), for the terminal check. */
export function pingLine(port: number, caFingerprint: string): string {
  return `ccp-lanes pid=${process.pid} port=${port} ca=${caFingerprint}\n`;
}

function overflowStatus(o: { window: string; untilMs: number } | undefined): ProxyStatus['overflow'] {
  return o ? { window: o.window, until: new Date(o.untilMs).toISOString() } : null;
}

function zaiInflightStatus(c: ZaiCapacityView): ProxyStatus['zai_inflight'] {
  return { now: c.inFlight, limit: c.limit ?? null, from: c.limitFrom, refusals: c.refusals, kept_off: c.keptOff };
}

/** GET /__ccp/status: what status, doctor, bundle and the dashboard know of this process. */
function statusOf(core: Core, router: Router, port: () => number, pusher?: RemoteWrite): ProxyStatus {
  const { config, toggles } = core;
  const lane = router.zaiLane;
  const cooldown = lane.cooldown();
  return {
    pid: process.pid,
    port: port(),
    started_at: core.startedAt.toISOString(),
    paused: toggles.paused,
    zai_cooldown_until: cooldown ? new Date(cooldown.untilMs).toISOString() : null,
    zai_cooldown_why: cooldown ? cooldown.why : null,
    zai_cooldown_reason: cooldown ? cooldown.reason : null,
    zai_dropped_fields: [...lane.refusedFields],
    zai_header_mode: lane.headerMode,
    zai_inflight: zaiInflightStatus(router.zaiCapacity),
    force_haiku_to_zai: toggles.offload.haiku,
    offload: toggles.offloadWords(),
    offload_at_pct: toggles.offload.atPct,
    remote_write: pusher ? { ...pusher.status } : null,
    overflow: overflowStatus(router.overflowView.active()),
    zai_key_set: config.zaiApiKey !== undefined,
    zai_base_url: config.zaiBaseUrl.href,
    anth_base_url: config.anthBaseUrl.href,
    force_h1: config.forceH1,
    filter_chain: config.filterChain,
    log_path: core.logPath,
    ca_fingerprint: core.ca.fingerprint,
    requests: core.live.counts(),
    subscription: core.subscription.latest ?? null,
    zai_quota: lane.quota ?? null,
    zai_quota_stop_pct: config.zaiQuotaStopPct,
    memory: memoryMb(),
    ...(core.run ? { run: core.run } : {}),
  };
}

/** The router's observers: the usage log (both lines), live stats, the subscription's windows, the optional body tee. */
function makeRouter(core: Core, quota: ZaiQuotaWatch, upstreamCa: string | undefined): Router {
  const { config } = core;
  const router = new Router({
    config,
    toggles: core.toggles,
    quota,
    subscription: core.subscription,
    ...(upstreamCa ? { upstreamCa } : {}),
  });
  router.on('decided', ({ record }: AttemptEvent) => core.log.write(record));
  router.on('completed', ({ record }: AttemptEvent) => {
    core.log.write(record);
    core.live.add(record);
  });
  router.on('subscription', (headers) => core.subscription.saw(parseSubscriptionStatus(headers, new Date())));
  if (config.bodyTee) router.on('decided', createBodyTee(config.logsDir));
  return router;
}

/** Malformed HTTP never reaches the router; mockttp answers it 400. It still gets its log lines. */
async function logMalformedRequests(front: Front, router: Router): Promise<void> {
  await front.server.on('client-error', (e) => {
    // Only parse errors and non-HTTP bytes sent straight to the port: resets of idle sockets are not requests.
    if (!e.errorCode?.startsWith('HPE_') && !e.errorCode?.startsWith('UNKNOWN_PROTOCOL')) return;
    router.recordRejected({
      code: e.errorCode,
      method: e.request.method,
      path: e.request.path,
      h2: e.request.httpVersion === '2.0',
    });
  });
}

/** The Z.AI plan's quota: read at start and after Z.AI-lane answers (at most every CCP_ZAI_QUOTA_POLL_S). */
function watchZaiQuota(
  core: Core,
  upstreamCa: string | undefined,
  alert: (text: string) => void,
): { quota: ZaiQuotaWatch; quotaPool: UpstreamPool } {
  const quotaPool = new UpstreamPool(upstreamCa);
  return { quota: new ZaiQuotaWatch(core.config, quotaPool, alert), quotaPool };
}

export async function startProxy(config: Config): Promise<ProxyHandle> {
  const t0 = performance.now();
  const logPath = usageLogPath(config.logsDir);
  const core: Core = {
    config,
    ca: await ensureCa(config.caDir, INTERCEPT_HOSTS),
    toggles: new Toggles(config.logsDir, {
      offload: config.offload,
      offloadPaused: config.offloadPaused,
      offloadPausedFrom: config.offloadPausedFrom,
    }),
    subscription: new SubscriptionWindows(),
    live: new LiveStats(config.pricing),
    log: new UsageLog(logPath, { maxBytes: config.logMaxBytes, keep: config.logKeep }),
    logPath,
    startedAt: new Date(),
  };
  const controlToken = randomBytes(24).toString('hex');
  let port = config.port;
  const upstreamCa = config.upstreamCaFile ? readFileSync(config.upstreamCaFile, 'utf8') : undefined;
  let router: Router | undefined;
  const { quota, quotaPool } = watchZaiQuota(core, upstreamCa, (text) => router?.emit('alert', text));
  router = makeRouter(core, quota, upstreamCa);
  const routed = router;
  routed.on('completed', ({ record }: AttemptEvent) => {
    if (record.lane === 'zai') void quota.poll();
  });
  core.live.watchState({ toggles: core.toggles, zaiLane: routed.zaiLane, subscription: core.subscription });
  // A toggle switched live is a new run line: the readers judge the requests after it by it.
  core.toggles.on('changed', () => {
    const run = runRecord(core, port, routed.zaiLane.headerMode, Date.now());
    core.log.writeRun(run);
    core.run = run;
  });
  // CCP_REMOTE_WRITE_URL: the same series pushed to the team's engine, off the request path.
  // Loaded only when configured: its HTTP client and protobuf code are ~20 MB of a proxy that idles all day.
  const pusher = config.remoteWrite
    ? new (await import('./observe/remote-write.js')).RemoteWrite(
        config.remoteWrite,
        core.live.registry,
        (text) => routed.emit('alert', text),
        upstreamCa,
      )
    : undefined;
  const control = new ControlApi({
    toggles: core.toggles,
    controlToken,
    status: () => statusOf(core, routed, () => port, pusher),
    live: core.live,
    ping: () => pingLine(port, core.ca.fingerprint),
  });
  let front: Front;
  try {
    front = await startFront({
      port: config.port,
      caKey: core.ca.key,
      caCert: core.ca.cert,
      interceptHosts: INTERCEPT_HOSTS,
      forceH1: config.forceH1,
      onApi: (exchange) => routed.serve(exchange),
      onControl: (req, res, target) => void control.handle(req, res, target),
    });
  } catch (err) {
    pusher?.stop();
    routed.close();
    quotaPool.destroy();
    core.log.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(config.port);
    throw err;
  }
  port = front.port;
  // Before any request can be served (they arrive on later turns of the event loop): the readers judge
  // what follows by it.
  // What a proxy that died left in flight is closed first, under its own run line, then this run starts.
  for (const line of leftOpen(readTail(logPath), Date.now(), isAlive)) core.log.write(line);
  const run = runRecord(core, port, config.zaiHeaderMode);
  core.log.writeRun(run);
  core.run = run;
  await logMalformedRequests(front, routed);
  void quota.poll();
  pusher?.start();
  let stopped = false;
  return {
    port,
    ca: core.ca,
    config,
    toggles: core.toggles,
    zaiLane: routed.zaiLane,
    zaiCapacity: routed.zaiCapacity,
    subscription: core.subscription,
    router: routed,
    front,
    logPath,
    controlToken,
    startedAt: core.startedAt,
    startupMs: Math.round(performance.now() - t0),
    async stop() {
      if (stopped) return;
      stopped = true;
      // In-flight attempts are ended first, so their completion lines are written before the log closes.
      routed.abortInFlight();
      pusher?.stop();
      control.closeStreams();
      await front.stop();
      routed.close();
      quotaPool.destroy();
      core.log.close();
    },
  };
}

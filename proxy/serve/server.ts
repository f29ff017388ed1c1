// Assembles one proxy process: CA → router → front, with the usage log and body tee as observers.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ensureCa, type CaFiles } from './front/ca.js';
import { INTERCEPT_HOSTS, type Config } from '../common/config.js';
import { usageLogPath } from '../common/logs-layout.js';
import { SCHEMA_VERSION, type RunRecord } from '../common/log-schema.js';
import { offloadWords, runSettings } from '../common/run-settings.js';
import type { ProxyStatus } from '../common/proxy-status.js';
import { startFront, type Front } from './front/front.js';
import { LiveState } from './lane/live-state.js';
import { Router, type AttemptEvent } from './lane/router.js';
import { UsageLog } from './observe/usage-log.js';
import { createBodyTee } from './observe/body-tee.js';
import { ControlApi } from './control/control.js';
import { LiveStats } from './observe/live-stats.js';
import { UpstreamPool } from './upstream/upstream-pool.js';
import { ZaiQuotaWatch } from './lane/zai-quota.js';
import { ZaiCapacity, type ZaiCapacityView } from './lane/zai-capacity.js';

export interface ProxyHandle {
  port: number;
  ca: CaFiles;
  config: Config;
  state: LiveState;
  router: Router;
  /** The Z.AI lane's in-flight slots, read-only (the router's attempt policy owns them). */
  zaiCapacity: ZaiCapacityView;
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
  state: LiveState;
  /** Written only by the router's attempt policy; read here for status. */
  capacity: ZaiCapacity;
  live: LiveStats;
  log: UsageLog;
  logPath: string;
  startedAt: Date;
  /** The run line, once the port is known. */
  run?: RunRecord;
}

/** The run line: at start, and again (with the time of the change) when the offload policy is switched live. */
function runRecord(core: Core, port: number, atMs = core.startedAt.getTime()): RunRecord {
  const { state } = core;
  return {
    v: SCHEMA_VERSION,
    event: 'run',
    ts: atMs / 1000,
    pid: process.pid,
    port,
    started_at: core.startedAt.toISOString(),
    ...runSettings(core.config, {
      paused: state.pauseAtStart.paused,
      pausedFrom: state.pauseAtStart.from,
      headerMode: state.zaiHeaderMode,
      offloadSubagents: state.offloadSubagents,
    }),
  };
}

/** GET /__ccp/ping: `ccp-lanes pid=… port=… ca=<SHA-256>`; cheap (no memory figures), for the terminal check. */
export function pingLine(port: number, caFingerprint: string): string {
  return `ccp-lanes pid=${process.pid} port=${port} ca=${caFingerprint}\n`;
}

function zaiInflightStatus(c: ZaiCapacityView): ProxyStatus['zai_inflight'] {
  return { now: c.inFlight, limit: c.limit ?? null, from: c.limitFrom, refusals: c.refusals, kept_off: c.keptOff };
}

/** GET /__ccp/status: what status, doctor, bundle and the dashboard know of this process. */
function statusOf(core: Core, port: () => number): ProxyStatus {
  const { config, state } = core;
  return {
    pid: process.pid,
    port: port(),
    started_at: core.startedAt.toISOString(),
    paused: state.paused,
    zai_cooldown_until: state.coolingDown() ? new Date(state.zaiCooldownUntil).toISOString() : null,
    zai_cooldown_why: state.coolingDown() ? state.zaiCooldownWhy : null,
    zai_cooldown_reason: state.coolingDown() ? state.zaiCooldownReason || null : null,
    zai_dropped_fields: [...state.zaiUnknownFields],
    zai_header_mode: state.zaiHeaderMode,
    zai_inflight: zaiInflightStatus(core.capacity),
    force_haiku_to_zai: config.forceHaikuToZai,
    offload: offloadWords(config.forceHaikuToZai, state.offloadSubagents),
    zai_key_set: config.zaiApiKey !== undefined,
    zai_base_url: config.zaiBaseUrl.href,
    anth_base_url: config.anthBaseUrl.href,
    force_h1: config.forceH1,
    filter_chain: config.filterChain,
    log_path: core.logPath,
    ca_fingerprint: core.ca.fingerprint,
    requests: core.live.counts(),
    subscription: state.subscription ?? null,
    zai_quota: state.zaiQuota ?? null,
    zai_quota_stop_pct: config.zaiQuotaStopPct,
    memory: memoryMb(),
    ...(core.run ? { run: core.run } : {}),
  };
}

/** The router's observers: the usage log (both lines), live stats and the optional body tee. */
function makeRouter(core: Core, upstreamCa: string | undefined): Router {
  const { config } = core;
  const router = new Router({
    config,
    state: core.state,
    capacity: core.capacity,
    ...(upstreamCa ? { upstreamCa } : {}),
  });
  router.on('decided', ({ record }: AttemptEvent) => core.log.write(record));
  router.on('completed', ({ record }: AttemptEvent) => {
    core.log.write(record);
    core.live.add(record);
  });
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
  router: Router,
  upstreamCa: string | undefined,
): { quota: ZaiQuotaWatch; quotaPool: UpstreamPool } {
  const quotaPool = new UpstreamPool(upstreamCa);
  const quota = new ZaiQuotaWatch(core.config, core.state, quotaPool, (text) => router.emit('alert', text));
  router.on('completed', ({ record }: AttemptEvent) => {
    if (record.lane === 'zai') void quota.poll();
  });
  return { quota, quotaPool };
}

export async function startProxy(config: Config): Promise<ProxyHandle> {
  const t0 = performance.now();
  const logPath = usageLogPath(config.logsDir);
  const core: Core = {
    config,
    ca: await ensureCa(config.caDir, INTERCEPT_HOSTS),
    state: new LiveState(config.logsDir, {
      offloadPaused: config.offloadPaused,
      offloadPausedFrom: config.offloadPausedFrom,
      headerMode: config.zaiHeaderMode,
      offloadSubagents: config.offloadSubagents,
    }),
    capacity: new ZaiCapacity(config.zaiMaxInflight),
    live: new LiveStats(config.pricing),
    log: new UsageLog(logPath, { maxBytes: config.logMaxBytes, keep: config.logKeep }),
    logPath,
    startedAt: new Date(),
  };
  const controlToken = randomBytes(24).toString('hex');
  let port = config.port;
  const control = new ControlApi({
    state: core.state,
    controlToken,
    status: () => statusOf(core, () => port),
    live: core.live,
    ping: () => pingLine(port, core.ca.fingerprint),
    // A live policy change is a new run line: the readers judge the requests after it by it.
    setSubagentOffload: (on: boolean) => {
      core.state.setSubagentOffload(on);
      const run = runRecord(core, port, Date.now());
      core.log.writeRun(run);
      core.run = run;
    },
  });
  const upstreamCa = config.upstreamCaFile ? readFileSync(config.upstreamCaFile, 'utf8') : undefined;
  const router = makeRouter(core, upstreamCa);
  const { quota, quotaPool } = watchZaiQuota(core, router, upstreamCa);
  let front: Front;
  try {
    front = await startFront({
      port: config.port,
      caKey: core.ca.key,
      caCert: core.ca.cert,
      interceptHosts: INTERCEPT_HOSTS,
      forceH1: config.forceH1,
      onApi: (exchange) => router.serve(exchange),
      onControl: (req, res, target) => void control.handle(req, res, target),
    });
  } catch (err) {
    router.close();
    quotaPool.destroy();
    core.log.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(config.port);
    throw err;
  }
  port = front.port;
  // Before any request can be served (they arrive on later turns of the event loop): the readers judge
  // what follows by it.
  const run = runRecord(core, port);
  core.log.writeRun(run);
  core.run = run;
  await logMalformedRequests(front, router);
  void quota.poll();
  let stopped = false;
  return {
    port,
    ca: core.ca,
    config,
    state: core.state,
    router,
    zaiCapacity: core.capacity,
    front,
    logPath,
    controlToken,
    startedAt: core.startedAt,
    startupMs: Math.round(performance.now() - t0),
    async stop() {
      if (stopped) return;
      stopped = true;
      // In-flight attempts are ended first, so their completion lines are written before the log closes.
      router.abortInFlight();
      control.closeStreams();
      await front.stop();
      router.close();
      quotaPool.destroy();
      core.log.close();
    },
  };
}

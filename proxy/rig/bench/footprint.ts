// The proxy's footprint at idle: RSS some seconds after it is ready, before any request (V8 shrinks its
// young generation after ~10 s without allocation, so the first seconds after start overstate it). The
// full run also starts two more proxies, the same way, for a median of three.
import { join } from 'node:path';
import { freePort, startProxyProcess, type ProxyProcess } from '../proxy-process.js';
import { procStat } from './clients.js';

export async function idleFootprint(
  proxy: ProxyProcess,
  env: Record<string, string>,
  dir: string,
  quick: boolean,
  say: (s: string) => void,
): Promise<Record<string, unknown>> {
  const idleS = quick ? 15 : 30;
  const extra: ProxyProcess[] = [];
  if (!quick)
    for (const i of [1, 2])
      extra.push(
        await startProxyProcess({
          ...env,
          MITM_PORT: String(await freePort()),
          CCP_LOGS_DIR: join(dir, `idle-logs-${i}`),
          CCP_ENV_FILE: join(dir, `idle-env-${i}.sh`),
        }),
      );
  say(`footprint: ${1 + extra.length} idle prox${extra.length ? 'ies' : 'y'}, RSS ${idleS} s after ready…`);
  await new Promise((r) => setTimeout(r, idleS * 1000));
  const rss = [proxy, ...extra].map((p) => Math.round(procStat(p.pid).rssMb * 10) / 10);
  for (const p of extra) await p.stop();
  const sorted = [...rss].sort((a, b) => a - b);
  const figures = { idle_after_s: idleS, idle_rss_mb: rss, idle_rss_median_mb: sorted[Math.floor(sorted.length / 2)] };
  say(`footprint: idle RSS ${rss.join(', ')} MB`);
  return figures;
}

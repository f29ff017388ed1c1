// The Prometheus gauges of what the proxy's state is now: the pause, the Z.AI lane's cooldown and its
// reason, the Z.AI quota, the Anthropic subscription's windows. Each reads its owner's view when the
// registry is collected (prom-client's collect()), so a scrape and a push see the same current values.
import { Gauge, type Registry } from './prom-parts.js';
import type { SubscriptionView } from '../lane/subscription-windows.js';
import type { TogglesView } from '../lane/toggles.js';
import type { ZaiLaneView } from '../lane/zai-lane-health.js';

export interface StateSources {
  toggles: TogglesView;
  zaiLane: ZaiLaneView;
  subscription: SubscriptionView;
}

export class StateGauges {
  constructor(registry: Registry, s: StateSources) {
    const registers = [registry];
    new Gauge({
      name: 'ccp_offload_paused',
      help: '1 while Haiku offload is paused',
      registers,
      collect() {
        this.set(s.toggles.paused ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ccp_zai_cooldown_seconds',
      help: 'Seconds left in the Z.AI cooldown',
      registers,
      collect() {
        const c = s.zaiLane.cooldown();
        this.set(c ? Math.round((c.untilMs - Date.now()) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'ccp_zai_cooldown',
      help: '1 while Haiku stays on Anthropic because of a Z.AI cooldown with this reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        const c = s.zaiLane.cooldown();
        if (c) this.set({ reason: c.reason }, 1);
      },
    });
    new Gauge({
      name: 'ccp_zai_quota_used_percent',
      help: 'Z.AI plan quota used per window, from its quota endpoint (absent while unknown)',
      labelNames: ['window'],
      registers,
      collect() {
        this.reset();
        const q = s.zaiLane.quota;
        if (q && !q.error) for (const w of q.windows) this.set({ window: w.name }, w.used_pct);
      },
    });
    new Gauge({
      name: 'ccp_zai_quota_known',
      help: '1 when the last read of the Z.AI quota succeeded',
      registers,
      collect() {
        const q = s.zaiLane.quota;
        this.set(q && !q.error ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ccp_anthropic_subscription_utilization',
      help: 'Anthropic subscription window used (0-1), from its rate-limit headers',
      labelNames: ['window'],
      registers,
      collect() {
        this.reset();
        for (const w of s.subscription.latest?.windows ?? [])
          if (w.utilization !== undefined) this.set({ window: w.name }, w.utilization);
      },
    });
  }
}

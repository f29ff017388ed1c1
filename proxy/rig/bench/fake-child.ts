// The burst's fake upstreams, in a process of their own: the bench's event loop measures the running
// streams and must not also be the server that a hundred new upstream connections handshake with.
// Started with an IPC channel: answers with its settings once listening, stops on `exit`.
import { startFakes } from '../rig.js';

const [dir, deltas, gapMs] = process.argv.slice(2) as [string, string, string];

export interface FakeProcessReady {
  env: Record<string, string>;
  anthropicUrl: string;
  upstreamCaPath: string;
}

if (process.send) {
  const fakes = await startFakes(dir, { anthropic: { stampEvents: true } });
  fakes.anthropic.opts.deltas = Number(deltas);
  fakes.anthropic.opts.eventGapMs = Number(gapMs);
  process.on('message', async (m) => {
    if (m !== 'exit') return;
    await fakes.anthropic.stop();
    await fakes.zai.stop();
    process.exit(0);
  });
  const ready: FakeProcessReady = {
    env: fakes.env,
    anthropicUrl: fakes.anthropic.baseUrl,
    upstreamCaPath: fakes.upstreamCaPath,
  };
  process.send(ready);
}

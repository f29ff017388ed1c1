// The burst's load, from a process of its own: the bench's own event loop measures the running streams,
// and must not be the one doing a hundred client handshakes meanwhile. Started with an IPC channel; on
// each `go` it opens `count` new connections at once (one stream each, read to the end) and answers with
// every stream's time to first event and how many failed.
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';

export interface BurstGo {
  url: string;
  /** Through an HTTPS proxy (CONNECT), else straight to `url`. */
  proxyUrl?: string;
  ca: string;
  count: number;
  body: string;
  headers: Record<string, string>;
}

export interface BurstDone {
  ttfe: number[];
  errors: number;
}

async function one(d: Dispatcher, go: BurstGo): Promise<number> {
  const t0 = performance.now();
  const r = await request(go.url, { dispatcher: d, method: 'POST', headers: { ...go.headers }, body: go.body });
  let ttfe = -1;
  for await (const _ of r.body) if (ttfe < 0) ttfe = performance.now() - t0;
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  return ttfe;
}

async function burst(go: BurstGo): Promise<BurstDone> {
  const d = go.proxyUrl
    ? new ProxyAgent({ uri: go.proxyUrl, requestTls: { ca: [go.ca] }, connections: go.count })
    : new Agent({ connect: { ca: go.ca }, connections: go.count });
  let errors = 0;
  const ttfe = await Promise.all(
    Array.from({ length: go.count }, () =>
      one(d, go).catch(() => {
        errors++;
        return -1;
      }),
    ),
  );
  await d.destroy();
  return { ttfe: ttfe.filter((t) => t >= 0), errors };
}

if (process.send) {
  process.on('message', (go: BurstGo | 'exit') => {
    if (go === 'exit') process.exit(0);
    else void burst(go).then((done) => process.send!(done));
  });
  process.send('ready');
}

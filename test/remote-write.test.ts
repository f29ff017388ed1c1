// The team's engine: the proxy pushes /__ccp/metrics' series by remote_write into a real Prometheus
// (Debian's `prometheus`, brought by npm test's preflight) started here with its remote-write receiver.
// Its PromQL answers must equal what was sent, with the identity and extra labels; the receiver going
// down and coming back loses nothing; a refused write is one status line, and the proxy keeps serving.
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa, type ResultPromise } from 'execa';
import { freePort } from '../proxy/rig/proxy-process.js';
import { announceRig, eventually, message, npmRun, postMessages, proxyAgent, within, withRig } from './helpers.js';

async function query(promPort: number, promql: string): Promise<Record<string, number>> {
  const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const j = (await r.json()) as { data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return Object.fromEntries((j.data?.result ?? []).map((s) => [s.metric.lane ?? '', Number(s.value[1])]));
}

function startPrometheus(dir: string, port: number): ResultPromise {
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  return execa(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ],
    { timeout: 180_000, reject: false, stdin: 'ignore' },
  );
}

async function stop(p: ResultPromise): Promise<void> {
  if (p.pid) process.kill(p.pid, 'SIGTERM');
  await within(30_000, p);
}

interface Status {
  remote_write: { target: string; last_ok: boolean | null; last_error: string | null; failing_since: string | null };
}

test('the series arrive with their values, the identity and the extra labels; the receiver goes down and comes back with nothing lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccp-rw-'));
  const promPort = await freePort();
  let prom = startPrometheus(dir, promPort);
  try {
    await withRig(
      {
        env: {
          CCP_REMOTE_WRITE_URL: `http://127.0.0.1:${promPort}/api/v1/write`,
          CCP_REMOTE_WRITE_INTERVAL_S: '1',
          CCP_REMOTE_WRITE_IDENTITY: 'dev1@laptop',
          CCP_REMOTE_WRITE_LABELS: 'team=platform',
        },
      },
      async (rig) => {
        const agent = proxyAgent(rig);
        for (let i = 0; i < 3; i++) await within(10_000, postMessages(agent, message('claude-haiku-4-5', false)));
        for (let i = 0; i < 2; i++) await within(10_000, postMessages(agent, message('claude-sonnet-4-5', false)));
        const sel = 'sum by (lane) (ccp_requests_total{ccp_user="dev1@laptop", team="platform"})';
        let lanes: Record<string, number> = {};
        await eventually(
          () => {
            void query(promPort, sel).then(
              (l) => (lanes = l),
              () => undefined,
            );
            return lanes.zai === 3 && lanes.anthropic === 2;
          },
          30_000,
          'the pushed series in Prometheus',
        );
        // Down: the proxy keeps answering; the status says pushing fails.
        await stop(prom);
        for (let i = 0; i < 2; i++) {
          const r = await within(10_000, postMessages(agent, message('claude-sonnet-4-5', false)));
          assert.is(r.status, 200);
        }
        const status = async () => (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as Status;
        let s = await status();
        await eventually(
          () => {
            void status().then(
              (x) => (s = x),
              () => undefined,
            );
            return s.remote_write.last_ok === false;
          },
          10_000,
          'a failed push',
        );
        assert.ok(s.remote_write.failing_since, JSON.stringify(s.remote_write));
        announceRig(rig);
        const shown = await npmRun('status', [], { CCP_LOGS_DIR: rig.config.logsDir });
        assert.match(String(shown.stdout), `remote write http://127.0.0.1:${promPort}/api/v1/write: last push`);
        assert.match(String(shown.stdout), 'FAILED');
        // Back: the cumulative counters carry what happened meanwhile.
        prom = startPrometheus(dir, promPort);
        await eventually(
          () => {
            void query(promPort, sel).then(
              (l) => (lanes = l),
              () => undefined,
            );
            return lanes.anthropic === 4;
          },
          60_000,
          'the counters after the receiver came back',
        );
        assert.equal(lanes, { zai: 3, anthropic: 4 });
        await eventually(
          () => {
            void status().then(
              (x) => (s = x),
              () => undefined,
            );
            return s.remote_write.last_ok === true && s.remote_write.failing_since === null;
          },
          10_000,
          'the recovered status',
        );
        await agent.close();
      },
    );
  } finally {
    await stop(prom).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a refused write (bad auth) is one status line and no crash; doctor names the fix; the credentials are never shown', async () => {
  const seen: string[] = [];
  const refusing = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    req.resume();
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end('authentication required');
  });
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', () => r()));
  const port = (refusing.address() as { port: number }).port;
  const password = 'rw-secret-password-123456';
  try {
    await withRig(
      {
        env: {
          CCP_REMOTE_WRITE_URL: `http://127.0.0.1:${port}/api/v1/write`,
          CCP_REMOTE_WRITE_INTERVAL_S: '1',
          CCP_REMOTE_WRITE_USERNAME: 'team',
          CCP_REMOTE_WRITE_PASSWORD: password,
        },
      },
      async (rig) => {
        await eventually(() => seen.length > 0, 10_000, 'a push');
        assert.is(seen[0], `Basic ${Buffer.from(`team:${password}`).toString('base64')}`, 'basic auth sent');
        const agent = proxyAgent(rig);
        assert.is((await within(10_000, postMessages(agent, message('claude-sonnet-4-5', false)))).status, 200);
        await agent.close();
        const s = (await (await fetch(`${rig.proxyUrl}/__ccp/status`)).json()) as Status;
        assert.equal([s.remote_write.last_ok, s.remote_write.last_error], [false, 'HTTP 401: authentication required']);
        assert.not.match(JSON.stringify(s), password);
        const doctor = await npmRun('doctor', [], {
          CCP_LOGS_DIR: rig.config.logsDir,
          CCP_REMOTE_WRITE_URL: `http://127.0.0.1:${port}/api/v1/write`,
          CCP_REMOTE_WRITE_USERNAME: 'team',
          CCP_REMOTE_WRITE_PASSWORD: password,
        });
        assert.match(
          String(doctor.stdout),
          new RegExp(
            `FAIL  remote_write: http://127\\.0\\.0\\.1:${port}/api/v1/write did not take a write: HTTP 401: authentication required\\n\\s+fix: check CCP_REMOTE_WRITE_USERNAME`,
          ),
        );
        assert.not.match(String(doctor.stdout) + String(doctor.stderr), password);
      },
    );
  } finally {
    refusing.close();
  }
});

test.run();

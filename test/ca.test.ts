// The proxy's CA: permissions, reuse, regeneration, and a name constraint that real TLS clients enforce.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getLocal } from 'mockttp';
import { ProxyAgent, fetch } from 'undici';
import { caPaths } from '../proxy/common/ca-files.js';
import { ensureCa } from '../proxy/serve/front/ca.js';
import { FakeUpstream } from '../proxy/rig/fake-upstream.js';
import { createTestTls } from '../proxy/rig/test-ca.js';
import { within } from './helpers.js';

const HOSTS = ['api.anthropic.com'];
let dir: string;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-ca-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('created on first use: RSA 2048 CA, key 0600, directory 0700; reused after', async () => {
  const caDir = join(dir, 'ca');
  const first = await ensureCa(caDir, HOSTS);
  assert.ok(first.created);
  assert.is(statSync(caDir).mode & 0o777, 0o700);
  assert.is(statSync(first.keyPath).mode & 0o777, 0o600);
  const x = new X509Certificate(first.cert);
  assert.ok(x.ca);
  assert.is(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.is(first.fingerprint, x.fingerprint256);
  const again = await ensureCa(caDir, HOSTS);
  assert.not.ok(again.created);
  assert.is(again.fingerprint, first.fingerprint);
});

test('an invalid CA is replaced, with the reason', async () => {
  const caDir = join(dir, 'broken');
  const first = await ensureCa(caDir, HOSTS);
  writeFileSync(first.certPath, '-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n');
  const fixed = await ensureCa(caDir, HOSTS);
  assert.ok(fixed.created);
  assert.match(fixed.replacedBecause ?? '', 'unreadable');
  // A key that belongs to another certificate is caught too.
  const other = await ensureCa(join(dir, 'other'), HOSTS);
  writeFileSync(caPaths(caDir).keyPath, readFileSync(other.keyPath));
  const rekeyed = await ensureCa(caDir, HOSTS);
  assert.is(rekeyed.replacedBecause, 'key does not match certificate');
  assert.is(statSync(rekeyed.keyPath).mode & 0o777, 0o600);
});

test('name constraint: a leaked CA key cannot impersonate any other site to a Node client', async () => {
  const ca = await ensureCa(join(dir, 'nc'), HOSTS);
  // A hostile proxy that holds our CA key and intercepts every host.
  const evil = getLocal({ https: { key: ca.key, cert: ca.cert }, recordTraffic: false });
  const upstreamTls = await createTestTls();
  const up = await new FakeUpstream({ name: 'up', tls: upstreamTls }).start();
  await evil.start();
  try {
    await evil.forAnyRequest().always().thenReply(200, 'intercepted');
    const agent = new ProxyAgent({ uri: `http://127.0.0.1:${evil.port}`, requestTls: { ca: [ca.cert] } });
    const allowed = await within(10_000, fetch('https://api.anthropic.com/v1/models', { dispatcher: agent }));
    assert.is(await allowed.text(), 'intercepted');
    for (const host of ['example.com', 'statsig.anthropic.com', 'api.z.ai']) {
      const err = await within(
        10_000,
        fetch(`https://${host}/`, { dispatcher: agent }).then(
          () => undefined,
          (e: Error) => e,
        ),
      );
      assert.ok(err, `${host} was accepted under our CA`);
      assert.match(
        String((err as Error & { cause?: Error }).cause?.message ?? err),
        /permitted subtree violation/,
        host,
      );
    }
    await agent.close();
  } finally {
    await evil.stop();
    await up.stop();
  }
});

test.run();

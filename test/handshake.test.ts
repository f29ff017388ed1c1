// The TLS the proxy serves to clients of the intercepted host: an ECDSA P-256 leaf signed by the kit's own
// name-constrained CA, sessions that resume, and Claude Code's own runtime accepting it.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAKE_ANTHROPIC_KEY, startRig, type Rig } from '../proxy/rig/rig.js';
import { claude, ensureClaude, messagesRequests } from './claude.js';
import { within } from './helpers.js';

let rig: Rig;

test.before(async () => {
  rig = await startRig();
});
test.after(async () => {
  await rig?.stop();
});

interface Handshake {
  leaf: X509Certificate;
  reused: boolean;
  protocol: string;
  session: Buffer | undefined;
  /** The status line the fake Anthropic's answer started with. */
  status: string;
}

/** CONNECT through the proxy, TLS to api.anthropic.com with the kit's CA (resuming `session` if given), one GET. */
async function handshake(opts: { session?: Buffer; maxVersion?: tls.SecureVersion } = {}): Promise<Handshake> {
  const socket = net.connect(rig.proxy.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.write('CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n\r\n');
    socket.once('data', (d) =>
      /^HTTP\/1\.1 200/.test(d.toString('latin1')) ? resolve() : reject(new Error(d.toString('latin1'))),
    );
  });
  const secure = tls.connect({
    socket,
    servername: 'api.anthropic.com',
    ca: rig.proxy.ca.cert,
    ALPNProtocols: ['http/1.1'],
    ...(opts.session ? { session: opts.session } : {}),
    ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
  });
  let session: Buffer | undefined;
  secure.on('session', (s: Buffer) => {
    session = s;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    secure.write(`GET /v1/models HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: ${FAKE_ANTHROPIC_KEY}\r\n\r\n`);
    const first = await new Promise<Buffer>((resolve) => secure.once('data', resolve));
    // TLS 1.3 tickets arrive after the handshake; the answer has come, so has the ticket.
    await new Promise((r) => setTimeout(r, 20));
    return {
      leaf: secure.getPeerX509Certificate()!,
      reused: secure.isSessionReused(),
      protocol: secure.getProtocol()!,
      session: session ?? secure.getSession(),
      status: first.toString('latin1').split('\r\n')[0]!,
    };
  } finally {
    secure.destroy();
  }
}

test('the leaf is ECDSA P-256, signed by the kit’s CA (which stays RSA and name-constrained)', async () => {
  const { leaf, status } = await within(10_000, handshake(), 'handshake');
  assert.is(status, 'HTTP/1.1 200 OK');
  assert.is(leaf.publicKey.asymmetricKeyType, 'ec');
  assert.is(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.is(leaf.subjectAltName, 'DNS:api.anthropic.com');
  const ca = new X509Certificate(rig.proxy.ca.cert);
  assert.ok(leaf.checkIssued(ca), 'issued by the kit’s CA');
  assert.ok(leaf.verify(ca.publicKey), 'signature verifies with the CA’s key');
  assert.is(ca.publicKey.asymmetricKeyType, 'rsa');
  // The name constraint (OID 2.5.29.30) is still in the CA: ca.test.ts shows clients enforce it.
  assert.ok(ca.raw.includes(Buffer.from([0x55, 0x1d, 0x1e])), 'nameConstraints extension present');
});

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  test(`a reconnecting client resumes its ${version} session (no full handshake), and is served`, async () => {
    const before = rig.anthropic.requests.length;
    const first = await within(10_000, handshake({ maxVersion: version }), 'first handshake');
    assert.is(first.protocol, version);
    assert.not.ok(first.reused);
    assert.ok(first.session, 'the proxy gave the client a session to resume');
    const second = await within(10_000, handshake({ maxVersion: version, session: first.session }), 'resumed');
    assert.is(second.protocol, version);
    assert.ok(second.reused, 'second connection resumed');
    assert.is(second.status, 'HTTP/1.1 200 OK');
    // Both requests crossed to the fake Anthropic.
    assert.is(rig.anthropic.requests.length - before, 2);
  });
}

test('Claude Code 2.1.337 completes through the proxy while it serves the ECDSA leaf', async () => {
  await ensureClaude();
  const { leaf } = await within(10_000, handshake(), 'handshake');
  assert.is(leaf.publicKey.asymmetricKeyType, 'ec');
  rig.anthropic.reset();
  const out = await claude(rig, 'sonnet', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
  assert.is(out.is_error, false);
  assert.is(out.result, 'ok from anthropic-fake');
  assert.ok(messagesRequests(rig.anthropic).length >= 1, 'the CLI’s request crossed the proxy');
});

test.run();

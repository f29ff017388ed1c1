import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { thirdPartyBetas } from '../proxy/serve/upstream/zai-dialect.js';
import { anthropicLaneHeaders, responseHeaders, zaiLaneHeaders } from '../proxy/serve/upstream/headers.js';

const CLIENT = [
  'Host',
  'api.anthropic.com',
  'Authorization',
  'Bearer sk-ant-oat01-client-oauth',
  'X-Api-Key',
  'sk-ant-api03-client',
  'Cookie',
  'session=abc',
  'Proxy-Authorization',
  'Basic xyz',
  'anthropic-beta',
  'oauth-2025-04-20,claude-code-20250219,cache-diagnosis-2026-04-07',
  'anthropic-version',
  '2023-06-01',
  'Connection',
  'keep-alive, x-hop',
  'X-Hop',
  'per-connection',
  'Keep-Alive',
  'timeout=5',
  'Transfer-Encoding',
  'chunked',
  'Accept-Encoding',
  'gzip, br',
  'x-ccp-front',
  'secret',
  'x-ccp-h2',
  '0',
  'User-Agent',
  'claude-cli/2.1.197',
  'Content-Length',
  '999',
];

test('anthropic lane: client credentials and headers kept; hop-by-hop, host and internal headers dropped', () => {
  const h = anthropicLaneHeaders(CLIENT, 42, true);
  assert.is(h.authorization, 'Bearer sk-ant-oat01-client-oauth');
  assert.is(h['x-api-key'], 'sk-ant-api03-client');
  assert.is(h.cookie, 'session=abc');
  assert.is(h['anthropic-beta'], 'oauth-2025-04-20,claude-code-20250219,cache-diagnosis-2026-04-07');
  assert.is(h['user-agent'], 'claude-cli/2.1.197');
  assert.is(h['accept-encoding'], 'identity');
  assert.is(h['content-length'], '42');
  for (const gone of [
    'host',
    'connection',
    'keep-alive',
    'transfer-encoding',
    'x-hop',
    'x-ccp-front',
    'x-ccp-h2',
    'proxy-authorization',
  ]) {
    assert.is(h[gone], undefined, gone);
  }
});

test('z.ai lane: every client credential removed, lane key in the chosen header, oauth beta stripped', () => {
  const x = zaiLaneHeaders(CLIENT, 10, { key: 'ZKEY', mode: 'x-api-key', anthVersion: '2023-06-01' });
  assert.is(x['x-api-key'], 'ZKEY');
  assert.is(x.authorization, undefined);
  assert.is(x.cookie, undefined);
  assert.is(x['proxy-authorization'], undefined);
  assert.is(x['anthropic-beta'], 'claude-code-20250219', 'the oauth and first-party betas gone');
  assert.is(x['content-length'], '10');
  assert.not.match(JSON.stringify(x), /sk-ant/);

  const b = zaiLaneHeaders(CLIENT, 10, { key: 'ZKEY', mode: 'authorization', anthVersion: '2023-06-01' });
  assert.is(b.authorization, 'Bearer ZKEY');
  assert.is(b['x-api-key'], undefined);
  assert.not.match(JSON.stringify(b), /sk-ant/);
});

test('z.ai lane adds anthropic-version only when missing', () => {
  const h = zaiLaneHeaders(['Host', 'x'], 0, { key: 'K', mode: 'x-api-key', anthVersion: '2099-01-01' });
  assert.is(h['anthropic-version'], '2099-01-01');
  const kept = zaiLaneHeaders(CLIENT, 0, { key: 'K', mode: 'x-api-key', anthVersion: '2099-01-01' });
  assert.is(kept['anthropic-version'], '2023-06-01');
});

test('z.ai betas: only the third-party ones Claude Code 2.1.337 sends to a non-Anthropic base URL; nothing left means no header', () => {
  assert.is(thirdPartyBetas('oauth-2025-04-20'), undefined);
  assert.is(
    thirdPartyBetas(' oauth-2025-04-20 , claude-code-20250219,prompt-caching-scope-2026-01-05, effort-2025-11-24'),
    'claude-code-20250219,effort-2025-11-24',
  );
  assert.is(thirdPartyBetas(['cache-diagnosis-2026-04-07', 'message-threads-2026-08-12']), undefined);
  assert.is(thirdPartyBetas(undefined), undefined);
});

test('response headers: hop-by-hop removed, the rest (request-id, content-type) relayed', () => {
  const h = responseHeaders([
    'Content-Type',
    'text/event-stream',
    'request-id',
    'req_1',
    'Connection',
    'keep-alive',
    'Keep-Alive',
    'timeout=60',
    'Transfer-Encoding',
    'chunked',
  ]);
  assert.equal(h, { 'content-type': 'text/event-stream', 'request-id': 'req_1' });
});

test.run();

// routeFor: the one definition of what the front hands to the router, for HTTP/1.1 and HTTP/2 alike.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routeFor, type RouteHosts } from '../proxy/serve/front/front.js';
import { withoutPseudoHeaders } from '../proxy/serve/front/client-exchange.js';

const hosts: RouteHosts = {
  intercept: new Set(['api.anthropic.com']),
  self: new Set(['127.0.0.1:8082', 'localhost:8082']),
};

test('decrypted requests for the intercepted host are API requests, whatever the path; the port does not matter', () => {
  for (const authority of ['api.anthropic.com', 'API.Anthropic.com:443', 'api.anthropic.com:8443']) {
    assert.equal(
      routeFor({ url: '/v1/messages?beta=true', authority, encrypted: true }, hosts),
      { kind: 'api', target: '/v1/messages?beta=true' },
      authority,
    );
  }
  // Even /__ccp/ paths: the control endpoints answer only on the proxy's own address.
  assert.equal(routeFor({ url: '/__ccp/status', authority: 'api.anthropic.com', encrypted: true }, hosts), {
    kind: 'api',
    target: '/__ccp/status',
  });
});

test('decrypted requests naming another host, or the proxy itself, are left to mockttp', () => {
  assert.is(routeFor({ url: '/v1/messages', authority: 'statsig.anthropic.com', encrypted: true }, hosts), undefined);
  assert.is(routeFor({ url: '/v1/messages', authority: '127.0.0.1:8082', encrypted: true }, hosts), undefined);
  assert.is(routeFor({ url: '/v1/messages', authority: undefined, encrypted: true }, hosts), undefined);
});

test('plain requests to the proxy’s own address: control under /__ccp/, everything else API (base-URL mode)', () => {
  assert.equal(routeFor({ url: '/__ccp/status', authority: '127.0.0.1:8082', encrypted: false }, hosts), {
    kind: 'control',
    target: '/__ccp/status',
  });
  assert.equal(routeFor({ url: '/__ccp/', authority: 'LOCALHOST:8082', encrypted: false }, hosts), {
    kind: 'control',
    target: '/__ccp/',
  });
  assert.equal(routeFor({ url: '/v1/messages', authority: 'localhost:8082', encrypted: false }, hosts), {
    kind: 'api',
    target: '/v1/messages',
  });
  assert.equal(routeFor({ url: '/', authority: '127.0.0.1:8082', encrypted: false }, hosts), {
    kind: 'api',
    target: '/',
  });
  // Another port on the same machine is not the proxy.
  assert.is(routeFor({ url: '/v1/messages', authority: '127.0.0.1:9999', encrypted: false }, hosts), undefined);
});

test('absolute-form (plain-HTTP proxy) requests: the intercepted host is API, other hosts pass through', () => {
  assert.equal(
    routeFor(
      { url: 'http://api.anthropic.com/v1/messages?x=1', authority: 'api.anthropic.com', encrypted: false },
      hosts,
    ),
    { kind: 'api', target: '/v1/messages?x=1' },
  );
  assert.equal(
    routeFor({ url: 'http://127.0.0.1:8082/__ccp/status', authority: '127.0.0.1:8082', encrypted: false }, hosts),
    { kind: 'control', target: '/__ccp/status' },
  );
  assert.is(
    routeFor({ url: 'http://example.com/v1/messages', authority: 'example.com', encrypted: false }, hosts),
    undefined,
  );
  assert.is(
    routeFor({ url: 'ftp://api.anthropic.com/x', authority: 'api.anthropic.com', encrypted: false }, hosts),
    undefined,
  );
  assert.is(routeFor({ url: 'not a url', authority: 'api.anthropic.com', encrypted: false }, hosts), undefined);
});

test('HTTP/2 pseudo-headers never travel on; ordinary headers keep their order and case', () => {
  const raw = [
    ':method',
    'POST',
    ':path',
    '/v1/messages',
    'X-Api-Key',
    'k',
    ':authority',
    'api.anthropic.com',
    'content-type',
    'application/json',
  ];
  assert.equal(withoutPseudoHeaders(raw), ['X-Api-Key', 'k', 'content-type', 'application/json']);
  const plain = ['Host', 'a', 'x', 'y'];
  assert.equal(withoutPseudoHeaders(plain), plain);
});

test.run();

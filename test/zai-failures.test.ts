// The Z.AI failure contract's pure classifier, on answers shaped as Z.AI sends them; every expected
// time below is computed by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  beijingResetTime,
  classifyZaiAnswer,
  networkFailure,
  parseRetryAfter,
  readErrorBody,
  unknownFields,
} from '../proxy/serve/lane/zai-failures.js';

const NOW = Date.UTC(2026, 11, 5, 9, 0, 0); // 2026-12-05 09:00:00 UTC = 17:00:00 in Beijing
const S = { shortS: 300, longS: 1800 };
const zai = (code: number, message: string, type = 'rate_limit_error') =>
  JSON.stringify({ type: 'error', error: { type, code: String(code), message } });

test('Beijing reset times: no offset in the text, UTC+8 meant', () => {
  // 2026-12-06 01:30:00 in Beijing is 2026-12-05 17:30:00 UTC.
  assert.is(
    beijingResetTime('[1310][Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-12-06 01:30:00][req]'),
    Date.UTC(2026, 11, 5, 17, 30, 0),
  );
  assert.is(
    beijingResetTime('Usage limit reached for 5 hour. Your limit will reset at 2026-12-05 18:00:00'),
    Date.UTC(2026, 11, 5, 10, 0, 0),
  );
  assert.is(beijingResetTime('no time here'), undefined);
});

test('1310 with a reset time: quota cooldown until exactly that time; relayed without fallback', () => {
  const f = classifyZaiAnswer(
    {
      status: 429,
      body: zai(
        1310,
        '[1310][Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-12-06 01:30:00][2026120516]',
      ),
    },
    S,
    NOW,
  );
  assert.equal([f.cause, f.code, f.withoutFallback, f.loud], ['quota', 1310, 'relay', false]);
  assert.equal(f.cooldown, {
    reason: 'quota',
    untilMs: Date.UTC(2026, 11, 5, 17, 30, 0),
    why: 'HTTP 429, z.ai code 1310: plan usage limit reached, resets 2026-12-05T17:30:00.000Z',
  });
});

test('a quota reset time in the past, or more than 31 days away, is not believed: the short cooldown applies', () => {
  const past = classifyZaiAnswer(
    { status: 429, body: zai(1308, 'Usage limit reached for 5 hour. Your limit will reset at 2026-12-05 16:00:00') },
    S,
    NOW,
  );
  assert.is(past.cooldown!.untilMs, NOW + 300_000);
  const far = classifyZaiAnswer(
    { status: 429, body: zai(1310, 'Your limit will reset at 2027-03-01 00:00:00') },
    S,
    NOW,
  );
  assert.is(far.cooldown!.untilMs, NOW + 300_000);
  assert.is(
    classifyZaiAnswer({ status: 429, body: zai(1310, 'reset at 2026-12-06 01:30:00') }, { shortS: 0, longS: 1800 }, NOW)
      .cooldown,
    undefined,
    'CCP_ZAI_COOLDOWN_S=0 disables it',
  );
});

test('rate and overload: retry-after or CCP_ZAI_COOLDOWN_S, whichever is longer; relayed without fallback', () => {
  const r1303 = classifyZaiAnswer(
    { status: 429, body: zai(1303, 'High frequency usage of this API'), retryAfter: '900' },
    S,
    NOW,
  );
  assert.equal(
    [r1303.cause, r1303.cooldown!.reason, r1303.cooldown!.untilMs, r1303.withoutFallback],
    ['rate', 'rate', NOW + 900_000, 'relay'],
  );
  assert.is(r1303.cooldown!.why, 'HTTP 429, z.ai code 1303, retry-after 900s');
  const short1303 = classifyZaiAnswer({ status: 429, body: zai(1303, 'High frequency'), retryAfter: '10' }, S, NOW);
  assert.is(short1303.cooldown!.untilMs, NOW + 300_000);
  const plain429 = classifyZaiAnswer({ status: 429, body: '' }, S, NOW);
  assert.equal([plain429.cause, plain429.cooldown!.why], ['rate', 'HTTP 429']);
  for (const [status, body] of [
    [500, ''],
    [529, JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })],
    [429, zai(1312, 'high traffic')],
  ] as const) {
    const f = classifyZaiAnswer({ status, body }, S, NOW);
    assert.equal(
      [f.cause, f.cooldown!.reason, f.cooldown!.untilMs, f.withoutFallback],
      ['overload', 'overload', NOW + 300_000, 'relay'],
      `${status} ${body}`,
    );
  }
});

test('concurrency (1302, 1305): that request only — no cooldown, whatever retry-after says; relayed without fallback', () => {
  for (const code of [1302, 1305]) {
    const f = classifyZaiAnswer({ status: 429, body: zai(code, 'High concurrency'), retryAfter: '900' }, S, NOW);
    assert.equal([f.cause, f.cooldown, f.withoutFallback, f.loud], ['busy', undefined, 'relay', false], String(code));
  }
});

test('fair use (1313): lifted only on request, so the long cooldown and a loud line', () => {
  const f = classifyZaiAnswer({ status: 429, body: zai(1313, 'fair use') }, S, NOW);
  assert.equal([f.cause, f.cooldown!.reason, f.loud], ['quota', 'quota', true]);
  assert.is(f.cooldown!.untilMs, NOW + S.longS * 1000);
});

test('auth, plan and model: long cooldown, a loud line, and a 502 without fallback — never the 401/403 itself', () => {
  const cases: [number, string, string, string][] = [
    [
      401,
      JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }),
      'auth',
      'Z.AI rejected the Z.AI key',
    ],
    [403, '', 'auth', 'Z.AI rejected the Z.AI key'],
    [401, zai(1002, 'Authorization Token is invalid', 'authentication_error'), 'auth', 'Z.AI rejected the Z.AI key'],
    [429, zai(1113, 'Your account balance is insufficient'), 'plan', 'balance is exhausted'],
    [429, zai(1309, 'plan has expired'), 'plan', 'coding plan has expired'],
    [400, zai(1211, 'Unknown Model', 'invalid_request_error'), 'model', 'ZAI_MODEL_MAP'],
    [403, zai(1311, 'plan does not include', 'invalid_request_error'), 'model', 'does not include this model'],
  ];
  for (const [status, body, cause, words] of cases) {
    const f = classifyZaiAnswer({ status, body }, S, NOW);
    assert.equal(
      [f.cause, f.withoutFallback, f.loud, f.cooldown!.reason, f.cooldown!.untilMs],
      [cause, 'replace', true, cause, NOW + 1_800_000],
      `${status} ${body}`,
    );
    assert.match(f.explain, words);
    assert.match(f.explain, /Z\.AI/);
  }
  assert.is(
    classifyZaiAnswer({ status: 401, body: '' }, { shortS: 300, longS: 0 }, NOW).cooldown,
    undefined,
    'CCP_ZAI_LONG_COOLDOWN_S=0 disables it',
  );
});

test('"Extra inputs are not permitted": the top-level fields named, in every wording seen; essential and nested fields never', () => {
  assert.equal(unknownFields('context_management: Extra inputs are not permitted'), ['context_management']);
  assert.equal(
    unknownFields('body.output_config: Extra inputs are not permitted; diagnostics: Extra inputs are not permitted'),
    ['output_config', 'diagnostics'],
  );
  assert.equal(unknownFields('messages: Extra inputs are not permitted'), []);
  assert.equal(unknownFields('thinking.budget: Extra inputs are not permitted'), []);
  const f = classifyZaiAnswer(
    {
      status: 400,
      body: JSON.stringify({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'context_management: Extra inputs are not permitted' },
      }),
    },
    S,
    NOW,
  );
  assert.equal(
    [f.cause, f.fields, f.cooldown, f.withoutFallback],
    ['unknown_fields', ['context_management'], undefined, 'relay'],
  );
});

test('any other 4xx: no cooldown, relayed without fallback; unreachable: a short network cooldown and a 502', () => {
  const f = classifyZaiAnswer({ status: 404, body: '{"error":{"message":"no such route"}}' }, S, NOW);
  assert.equal([f.cause, f.cooldown, f.withoutFallback], ['client', undefined, 'relay']);
  const n = networkFailure('proxy: zai upstream api.z.ai unreachable (ECONNREFUSED)', S, NOW);
  assert.equal(
    [n.cause, n.cooldown!.reason, n.cooldown!.untilMs, n.withoutFallback],
    ['network', 'network', NOW + 300_000, 'replace'],
  );
});

test('error bodies: Z.AI ({"error":{"code":"1310"}}, {"code":1302}), Anthropic, and not JSON', () => {
  assert.equal(readErrorBody('{"error":{"type":"rate_limit_error","code":"1310","message":"m"}}'), {
    code: 1310,
    message: 'm',
  });
  assert.equal(readErrorBody('{"code":1302,"msg":"busy"}'), { code: 1302, message: 'busy' });
  assert.equal(readErrorBody('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'), {
    message: 'Overloaded',
  });
  assert.equal(
    readErrorBody('{"error":{"code":429,"message":"x"}}'),
    { message: 'x' },
    'an HTTP status in code is not a business code',
  );
  assert.equal(readErrorBody('<html>'), { message: '' });
  assert.is(parseRetryAfter('120', NOW), 120);
  assert.is(parseRetryAfter(new Date(NOW + 60_000).toUTCString(), NOW), 60);
  assert.is(parseRetryAfter('soon', NOW), undefined);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SseObserver, observeJsonBody } from '../proxy/serve/upstream/sse.js';

const STREAM = [
  'event: message_start',
  'data: {"type":"message_start","message":{"id":"m","model":"claude-haiku-4-5","usage":{"input_tokens":120,"cache_creation_input_tokens":30,"cache_read_input_tokens":400,"output_tokens":1}}}',
  '',
  'event: content_block_start',
  'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
  '',
  'event: ping',
  'data: {"type": "ping"}',
  '',
  'event: content_block_delta',
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo ✓"}}',
  '',
  'event: brand_new_event_type',
  'data: {"type":"brand_new_event_type","x":1}',
  '',
  'event: content_block_delta',
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}',
  '',
  'event: content_block_stop',
  'data: {"type":"content_block_stop","index":0}',
  '',
  'event: message_delta',
  'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":57}}',
  '',
  'event: message_stop',
  'data: {"type":"message_stop"}',
  '',
  '',
].join('\n');

function feed(chunks: (string | Uint8Array)[]) {
  const o = new SseObserver();
  for (const [i, c] of chunks.entries()) o.push(c, i);
  return o.end();
}

function check(obs: ReturnType<typeof feed>) {
  assert.is(obs.events, 9);
  assert.equal(obs.usage, {
    input_tokens: 120,
    cache_creation_input_tokens: 30,
    cache_read_input_tokens: 400,
    output_tokens: 57,
  });
  assert.is(obs.stopReason, 'end_turn');
  assert.is(obs.model, 'claude-haiku-4-5');
  assert.ok(obs.complete);
  assert.is(obs.error, undefined);
}

test('whole stream in one chunk', () => {
  const o = feed([STREAM]);
  check(o);
  assert.is(o.firstEventAt, 0);
  assert.is(o.firstDeltaAt, 0);
});

test('split at every byte, including inside multi-byte UTF-8 characters', () => {
  const bytes = Buffer.from(STREAM, 'utf8');
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  check(feed(chunks));
});

test('split at random points, CRLF line endings', () => {
  const crlf = Buffer.from(STREAM.replace(/\n/g, '\r\n'), 'utf8');
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let round = 0; round < 50; round++) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < crlf.length; ) {
      const n = 1 + Math.floor(rnd() * 40);
      chunks.push(crlf.subarray(i, i + n));
      i += n;
    }
    check(feed(chunks));
  }
});

test('first delta time is the first content_block_delta, not the first event', () => {
  const parts = STREAM.split('\n\n').map((p) => `${p}\n\n`);
  const o = new SseObserver();
  for (const [i, p] of parts.entries()) o.push(p, i * 10);
  const r = o.end();
  assert.is(r.firstEventAt, 0);
  assert.is(r.firstDeltaAt, 30); // message_start, content_block_start, ping, then the delta
  assert.is(r.lastEventAt, 80);
});

test('an error event after a 200 is reported, and the stream is not complete', () => {
  const o = feed([
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
  ]);
  assert.equal(o.error, { type: 'overloaded_error', message: 'Overloaded' });
  assert.not.ok(o.complete);
  assert.is(o.usage.input_tokens, 5);
});

test('an unterminated last event is not counted; comments and data-only events are', () => {
  const o = feed([
    ': keep-alive comment\n\ndata: {"type":"content_block_delta"}\n\nevent: message_stop\ndata: {"type":"mess',
  ]);
  assert.is(o.events, 1);
  assert.is(o.firstDeltaAt, 0);
  assert.not.ok(o.complete);
});

test('non-JSON data does not throw', () => {
  const o = feed(['event: message_delta\ndata: not json\n\n']);
  assert.is(o.events, 1);
  assert.equal(o.usage, {});
});

test('JSON bodies: message usage, count_tokens, and error objects', () => {
  assert.equal(
    observeJsonBody(
      '{"type":"message","model":"m","stop_reason":"max_tokens","usage":{"input_tokens":3,"output_tokens":4,"cache_read_input_tokens":0}}',
    ),
    {
      usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 0 },
      stopReason: 'max_tokens',
      model: 'm',
    },
  );
  assert.equal(observeJsonBody('{"input_tokens":99}').usage, { input_tokens: 99 });
  assert.equal(observeJsonBody('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}').error, {
    type: 'rate_limit_error',
    message: 'slow down',
  });
  assert.equal(observeJsonBody('<html>').usage, {});
});

test.run();

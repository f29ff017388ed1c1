// What routing reads from a /v1/messages body: model and stream, the same as a full parse would say.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PEEK_MIN_BYTES, leadingModel, readMessagesBody, trailingStream } from '../proxy/serve/lane/messages-body.js';

const big = 'x'.repeat(PEEK_MIN_BYTES);

/** What the router read before the look at the ends: a full parse. */
function byParse(text: string): { model: string | undefined; stream: boolean } {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    return { model: typeof j?.model === 'string' ? j.model : undefined, stream: j?.stream === true };
  } catch {
    return { model: undefined, stream: false };
  }
}

test('valid bodies of every shape, small and large: the same model and stream as a full parse', () => {
  const models = [
    'claude-sonnet-4-5-20250929',
    'claude-opus-4-1',
    'claude-haiku-4-5',
    'claude-3-5-haiku-latest',
    'a"b',
    'ünïcode-model',
  ];
  const shapes: ((model: string, content: string) => unknown)[] = [
    (model, content) => ({ model, max_tokens: 16, messages: [{ role: 'user', content }], stream: true }),
    (model, content) => ({ model, messages: [{ role: 'user', content }], stream: false }),
    (model, content) => ({ model, messages: [{ role: 'user', content }] }),
    (model, content) => ({ messages: [{ role: 'user', content }], model, stream: true }),
    (model, content) => ({ model, messages: [{ role: 'user', content }], metadata: { stream: true } }),
    (model, content) => ({ model, messages: [{ role: 'user', content: `${content} ,"stream":true}` }] }),
    (model, content) => ({ model, stream: true, messages: [{ role: 'user', content }], stream_options: 1 }),
    (model, content) => ({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: content, model: 'claude-haiku-4-5' }] }],
      stream: true,
    }),
  ];
  let checked = 0;
  for (const model of models) {
    for (const shape of shapes) {
      for (const content of ['ok', big]) {
        for (const indent of [undefined, 2]) {
          const text = JSON.stringify(shape(model, content), null, indent);
          const got = readMessagesBody(Buffer.from(text));
          assert.equal({ model: got.model, stream: got.stream }, byParse(text), text.slice(0, 120));
          assert.equal(got.json(), JSON.parse(text));
          checked++;
        }
      }
    }
  }
  assert.is(checked, models.length * shapes.length * 4);
});

test('a large non-Haiku body is routed from its ends without a parse; the parse happens only when asked', () => {
  // Broken in the middle: a full parse fails (→ pass_through to Anthropic), and so does the lazy one.
  const text = `{"model":"claude-opus-4-1","messages":[{"role":"user","content":"${big}"} BROKEN ],"stream":true}`;
  const got = readMessagesBody(Buffer.from(text));
  assert.equal([got.model, got.stream], ['claude-opus-4-1', true]);
  assert.is(got.json(), undefined);
  // Same lane either way: a body that is not JSON goes to Anthropic too.
  assert.equal(byParse(text), { model: undefined, stream: false });
});

test('a large Haiku body is parsed whole (the Z.AI lane may need to rewrite it)', () => {
  const text = `{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"${big}"} BROKEN ],"stream":true}`;
  const got = readMessagesBody(Buffer.from(text));
  assert.equal([got.model, got.stream], [undefined, false]);
});

test("the ends: only the root object's first and last members count", () => {
  assert.is(leadingModel(Buffer.from(' {\n "model" : "m-1" , "x":1}')), 'm-1');
  assert.is(leadingModel(Buffer.from('{"model":"a\\"b","x":1}')), undefined);
  assert.is(leadingModel(Buffer.from('{"models":"m","x":1}')), undefined);
  assert.is(leadingModel(Buffer.from('{"x":{"model":"m"}}')), undefined);
  assert.is(leadingModel(Buffer.from('{"model":5}')), undefined);
  assert.is(trailingStream(Buffer.from('{"a":1,"stream":true}\n')), true);
  assert.is(trailingStream(Buffer.from('{"a":1, "stream" : false }')), false);
  assert.is(trailingStream(Buffer.from('{"a":{"stream":true}}')), undefined);
  assert.is(trailingStream(Buffer.from('{"stream":true}')), undefined);
  assert.is(trailingStream(Buffer.from('{"a":"x\\"stream\\":true}')), undefined);
  assert.is(trailingStream(Buffer.from('{"a":1,"xstream":true}')), undefined);
});

test.run();

// The SSE frames the proxy writes itself pass Claude Code 2.1.337's stream damage check. The oracle is
// the check as read from the 2.1.337 binary (its function over each event's raw lines), written here
// apart from the proxy's code: a damaged line (a non-data field with NUL or U+FFFD), a quoted name, a
// message event without a name, or a name one letter off its data's type fails the turn with "Reply
// damaged in transit".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { anthropicErrorEvent } from '../proxy/serve/errors.js';

const MESSAGE_EVENTS = new Set([
  'message_start',
  'message_delta',
  'message_stop',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
]);

interface RawEvent {
  raw: string[];
  event: string;
  data: string;
}

/** SSE events as the CLI's parser builds them: lines up to a blank line; `event:` and `data:` fields. */
function events(stream: string): RawEvent[] {
  const out: RawEvent[] = [];
  let cur: RawEvent = { raw: [], event: '', data: '' };
  for (const line of stream.split('\n')) {
    if (line === '') {
      if (cur.raw.length) out.push(cur);
      cur = { raw: [], event: '', data: '' };
      continue;
    }
    cur.raw.push(line);
    const i = line.indexOf(':');
    const field = i === -1 ? line : line.slice(0, i);
    const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') cur.event = value;
    if (field === 'data') cur.data = cur.data ? `${cur.data}\n${value}` : value;
  }
  if (cur.raw.length) out.push(cur);
  return out;
}

function oneLetterOff(name: string, type: string): boolean {
  let s = 0;
  while (s < name.length && name[s] === type[s]) s++;
  const [h, g] = [name.slice(s), type.slice(s)];
  return h.slice(1) === g.slice(1) || h.slice(1) === g || h === g.slice(1);
}

/** The 2.1.337 check: undefined when the event passes, else why it is damaged. */
function damage(e: RawEvent): string | undefined {
  const bad = e.raw.some((l) => {
    const i = l.indexOf(':');
    const field = i === -1 ? l : l.slice(0, i);
    return i !== 0 && field !== 'data' && /[\0\ufffd]/.test(field === 'event' ? l : field);
  });
  if (bad) return 'damaged_line';
  if (e.event.includes('"')) return 'quoted_name';
  if (MESSAGE_EVENTS.has(e.event) || e.event === 'ping') return undefined;
  let type: unknown;
  try {
    type = (JSON.parse(e.data) as { type?: unknown }).type;
  } catch {
    type = undefined;
  }
  if (typeof type !== 'string' || !MESSAGE_EVENTS.has(type)) return undefined;
  if (!e.event) return 'nameless_event';
  return oneLetterOff(e.event, type) ? 'name_one_letter_off' : undefined;
}

const DELTA =
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}}\n\n';

test('the proxy’s error event after whatever was relayed: its own event, named error, typed error, undamaged', () => {
  const cuts = [
    '', // before anything
    DELTA, // at an event boundary
    DELTA.slice(0, -1), // one newline short
    `${DELTA}event: content_block_delta\ndata: {"type":"content_bl`, // cut inside a data line
    `${DELTA}event: content_block_de`, // cut inside the event name
    `${DELTA}event: ping\ndata: {"type": "ping"}`, // cut right after a ping's data
  ];
  for (const relayed of cuts) {
    const tail = Buffer.from(relayed).subarray(-2);
    const frame = anthropicErrorEvent('api_error', 'proxy: upstream connection lost mid-response', tail);
    const all = events(relayed + frame);
    const mine = all.at(-1)!;
    assert.is(mine.event, 'error', JSON.stringify(relayed));
    assert.is((JSON.parse(mine.data) as { type: string }).type, 'error');
    assert.is(damage(mine), undefined);
    // What came before stays what it was: the proxy's frame never joins an upstream event.
    assert.is(all.length, events(`${relayed}\n\n`).length + 1, JSON.stringify(relayed));
  }
});

test('a message carrying NUL or U+FFFD (an upstream error text) is written without them', () => {
  const frame = anthropicErrorEvent('api_error', 'bad\0bytes\ufffd here');
  assert.not.match(frame, /[\0\ufffd]/);
  assert.is(damage(events(frame)[0]!), undefined);
});

test('the oracle itself catches what 2.1.337 calls damaged', () => {
  assert.is(damage(events('data: {"type":"content_block_delta"}\n\n')[0]!), 'nameless_event');
  assert.is(
    damage(events('event: content_block_delte\ndata: {"type":"content_block_delta"}\n\n')[0]!),
    'name_one_letter_off',
  );
  assert.is(damage(events('event: er\0ror\ndata: {}\n\n')[0]!), 'damaged_line');
});

test.run();

// What routing needs from a /v1/messages body: its model and stream flag. Pure.
//
// Small bodies are parsed whole. Large ones (Claude Code sends its whole context, up to megabytes, with
// every Sonnet/Opus turn) first get a look at their two ends: Claude Code and the Anthropic SDKs write
// `{"model":"…",` first and `,"stream":true}` last. When the first model is not a Haiku model, the
// lane is Anthropic whether or not the rest is valid JSON (invalid JSON goes there too), so the body
// is forwarded without decoding and parsing megabytes first; the parse happens only if something
// later needs it. Haiku bodies, bodies with another "model" key anywhere, and any body of another
// shape are parsed whole.
import { isHaikuModel } from '../../common/models.js';

export interface MessagesBody {
  model: string | undefined;
  stream: boolean;
  /** The body as a JSON object, parsed on first call; undefined when it is not one. */
  json(): Record<string, unknown> | undefined;
}

/** Below this, parsing is cheaper than any cleverness. */
export const PEEK_MIN_BYTES = 64 * 1024;

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(buf: Buffer, i: number): number {
  while (i < buf.length && isSpace(buf[i])) i++;
  return i;
}

function skipSpaceBack(buf: Buffer, i: number): number {
  while (i >= 0 && isSpace(buf[i])) i--;
  return i;
}

function matchAt(buf: Buffer, i: number, text: string): boolean {
  if (i < 0 || i + text.length > buf.length) return false;
  for (let k = 0; k < text.length; k++) if (buf[i + k] !== text.charCodeAt(k)) return false;
  return true;
}

/** `{"model":"<id>"` at the start: the id when it has no escapes, else undefined. */
export function leadingModel(buf: Buffer): string | undefined {
  let i = skipSpace(buf, 0);
  if (buf[i] !== 0x7b /* { */) return undefined;
  i = skipSpace(buf, i + 1);
  if (!matchAt(buf, i, '"model"')) return undefined;
  i = skipSpace(buf, i + 7);
  if (buf[i] !== 0x3a /* : */) return undefined;
  i = skipSpace(buf, i + 1);
  if (buf[i] !== 0x22 /* " */) return undefined;
  const end = buf.indexOf(0x22, i + 1);
  // A model id is short; a backslash would need JSON unescaping: leave those to the parser.
  if (end === -1 || end - i > 256 || buf.subarray(i + 1, end).includes(0x5c /* \ */)) return undefined;
  const after = skipSpace(buf, end + 1);
  if (buf[after] !== 0x2c /* , */ && buf[after] !== 0x7d /* } */) return undefined;
  return buf.toString('utf8', i + 1, end);
}

/** `,"stream":true}` or `false}` at the end (the root object's last member); undefined otherwise. */
export function trailingStream(buf: Buffer): boolean | undefined {
  let i = skipSpaceBack(buf, buf.length - 1);
  if (buf[i] !== 0x7d /* } */) return undefined;
  i = skipSpaceBack(buf, i - 1);
  let value: boolean;
  if (matchAt(buf, i - 3, 'true')) {
    value = true;
    i -= 4;
  } else if (matchAt(buf, i - 4, 'false')) {
    value = false;
    i -= 5;
  } else return undefined;
  i = skipSpaceBack(buf, i);
  if (buf[i] !== 0x3a /* : */) return undefined;
  i = skipSpaceBack(buf, i - 1);
  if (!matchAt(buf, i - 7, '"stream"')) return undefined;
  i = skipSpaceBack(buf, i - 8);
  return buf[i] === 0x2c /* , */ ? value : undefined;
}

/** The key a second `model` would be spelled with, raw in the body. */
const MODEL_KEY = Buffer.from('"model"');

export function readMessagesBody(body: Buffer): MessagesBody {
  if (body.length >= PEEK_MIN_BYTES) {
    const model = leadingModel(body);
    const stream = model !== undefined && !isHaikuModel(model) ? trailingStream(body) : undefined;
    // JSON.parse keeps the last of two `model` keys: any other "model" key, at whatever depth, sends the
    // body to the whole parse so that every size routes the same way. (Inside a JSON string the quotes
    // are escaped, so text mentioning "model" does not match.)
    const onlyModelKey =
      model !== undefined && body.indexOf(MODEL_KEY, body.indexOf(MODEL_KEY) + MODEL_KEY.length) === -1;
    if (model !== undefined && stream !== undefined && onlyModelKey) {
      let parsed: Record<string, unknown> | undefined;
      let done = false;
      return {
        model,
        stream,
        json: () => {
          if (!done) {
            parsed = parseObject(body);
            done = true;
          }
          return parsed;
        },
      };
    }
  }
  const json = parseObject(body);
  return {
    model: typeof json?.model === 'string' ? json.model : undefined,
    stream: json?.stream === true,
    json: () => json,
  };
}

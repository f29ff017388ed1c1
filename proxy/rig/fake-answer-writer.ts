// Writes a simulated upstream's answer to the wire: the JSON Message at once, or the SSE events spaced
// in time, with the faults that cut them (a reset or a hang after N events), and records what was sent.
import type http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { abruptClose, type Fault } from './fake-faults.js';
import { type AnswerPlan, messageEvents, messageJson, type WireUsage } from './fake-message.js';

export interface SentResponse {
  status: number;
  /** The request-id header sent with it. */
  requestId: string;
  /** SHA-256 of every body byte written, and whether the client went away before the end. */
  sha256?: string;
  aborted?: boolean;
  usage?: WireUsage;
  events: number;
  /** Epoch ms at which each SSE event was written. */
  eventTimes: number[];
  text?: string;
}

/** What was sent for a 200 answer, before its body's hash and events are known. */
function sentFor(plan: AnswerPlan, requestId: string): SentResponse {
  return { status: 200, requestId, usage: plan.usage, events: 0, eventTimes: [], text: plan.text };
}

export function writeJsonAnswer(
  res: http.ServerResponse,
  plan: AnswerPlan,
  fault: Fault | undefined,
  headers: Record<string, string>,
): SentResponse {
  const payload = messageJson(plan);
  const requestId = `req_fake_${randomBytes(6).toString('hex')}`;
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
  if (fault?.resetAfterEvents !== undefined) {
    // The JSON form of a mid-response reset: half the body, then the connection drops.
    res.write(payload.slice(0, payload.length >> 1), () => res.socket && abruptClose(res.socket));
    return { status: 200, requestId, events: 0, eventTimes: [], aborted: true };
  }
  res.end(payload);
  return { ...sentFor(plan, requestId), sha256: createHash('sha256').update(payload).digest('hex') };
}

/** Streams the answer; `sent` is recorded at once (pushed by the caller) and filled in as events go out. */
export async function writeStreamAnswer(
  res: http.ServerResponse,
  plan: AnswerPlan,
  fault: Fault | undefined,
  headers: Record<string, string>,
  opts: { gapMs: number; stampEvents: boolean; record(sent: SentResponse): void },
): Promise<void> {
  const requestId = `req_fake_${randomBytes(6).toString('hex')}`;
  const sent: SentResponse = { ...sentFor(plan, requestId), aborted: false };
  opts.record(sent);
  const hash = createHash('sha256');
  res.on('close', () => {
    if (!res.writableFinished) sent.aborted = true;
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': requestId,
    ...headers,
  });
  res.flushHeaders();
  for (const [i, [name, data]] of messageEvents(plan).entries()) {
    if (res.destroyed) return;
    if (fault?.resetAfterEvents !== undefined && i >= fault.resetAfterEvents) {
      if (res.socket) abruptClose(res.socket);
      return;
    }
    if (fault?.hangAfterEvents !== undefined && i >= fault.hangAfterEvents) return;
    if (name === 'content_block_delta') await new Promise((r) => setTimeout(r, opts.gapMs));
    const stamped =
      opts.stampEvents && name === 'content_block_delta'
        ? { ...(data as object), sent_at: performance.timeOrigin + performance.now() }
        : data;
    const chunk = `event: ${name}\ndata: ${JSON.stringify(stamped)}\n\n`;
    hash.update(chunk);
    res.write(chunk);
    sent.events++;
    sent.eventTimes.push(Date.now());
  }
  sent.sha256 = hash.digest('hex');
  res.end();
}

// The simulated upstreams' fault modes (the reliability issue and the chaos task use them all): what a
// switched-on fault does to the next request, decided apart from the upstream that carries it out.
import type http from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { zaiErrorAnswer } from './zai-personality.js';

/** Faults a test or the chaos task can switch on (the reliability issue uses them all). */
export interface Fault {
  /** Answer with this status and an Anthropic (or Z.AI business-code) error body; a string is sent as it is. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Destroy the socket after this many SSE events. */
  resetAfterEvents?: number;
  /** Never answer (the headers never come). */
  hangBeforeHeaders?: boolean;
  /** Reset the connection instead of answering. */
  resetBeforeHeaders?: boolean;
  /** Stop sending after this many SSE events, keeping the connection open. */
  hangAfterEvents?: number;
  /** Delay before the response headers. */
  firstByteDelayMs?: number;
  /**
   * Reset a kept-alive connection when another request arrives on it, unread: what a server that
   * closed the connection as idle just as the request was written looks like to the client.
   */
  resetReusedConnections?: boolean;
  /** Answer with this Z.AI business code (status and body from zai-personality.ts). */
  zaiCode?: number;
  /** With zaiCode 1308/1310: the reset time named in the message. */
  resetAt?: Date;
  /** With an error answer: send the headers and half the body, then nothing more (the connection stays open). */
  stallBody?: boolean;
  /** The fault spares this many requests first (counted down), e.g. to fail only a retry. */
  skipRequests?: number;
}

/** What a fault does to this request: nothing, never answer, reset, or an error answer (maybe stalled). */
export type FaultPlan =
  | { kind: 'none' }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'answer'; status: number; body: string; headers?: Record<string, string>; stall: boolean; delayMs: number };

/** The plan for the next request under `fault` (counting down skipRequests); `name` labels injected errors. */
export function faultPlan(fault: Fault | undefined, name: string): FaultPlan {
  if (!fault) return { kind: 'none' };
  if (fault.skipRequests) {
    fault.skipRequests--;
    return { kind: 'none' };
  }
  if (fault.hangBeforeHeaders) return { kind: 'hang' };
  if (fault.resetBeforeHeaders) return { kind: 'reset' };
  let answer: { status: number; body: string } | undefined;
  if (fault.zaiCode !== undefined) {
    answer = zaiErrorAnswer(fault.zaiCode, {
      requestId: `req_fake_${randomBytes(6).toString('hex')}`,
      ...(fault.resetAt ? { resetAt: fault.resetAt } : {}),
    });
  } else if (fault.status) {
    answer = {
      status: fault.status,
      body:
        fault.body !== undefined
          ? typeof fault.body === 'string'
            ? fault.body // a body given as text is sent as it is (an SSE error event, say)
            : JSON.stringify(fault.body)
          : JSON.stringify({
              type: 'error',
              error: { type: 'api_error', message: `${name}: injected ${fault.status}` },
            }),
    };
  }
  if (!answer) return { kind: 'none' };
  return {
    kind: 'answer',
    ...answer,
    ...(fault.headers ? { headers: fault.headers } : {}),
    stall: fault.stallBody === true,
    delayMs: fault.firstByteDelayMs ?? 0,
  };
}

/** Headers and half the body, then silence: the connection stays open until someone gives up. */
export function stallAnswer(
  res: http.ServerResponse,
  plan: Extract<FaultPlan, { kind: 'answer' }>,
  requestId: string,
): void {
  res.writeHead(plan.status, {
    'content-type': 'application/json',
    'request-id': requestId,
    'content-length': String(Buffer.byteLength(plan.body)),
    ...plan.headers,
  });
  res.write(plan.body.slice(0, plan.body.length >> 1));
}

/** Drop the connection without an answer: a TCP reset where Node can send one (plain sockets), else a close. */
export function abruptClose(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !(socket as { encrypted?: boolean }).encrypted)
    socket.resetAndDestroy();
  else socket.destroy();
}

// Optional diagnostics: raw request bodies to logs/body-samples.jsonl. Off unless ENABLE_BODY_TEE=1 at start
// AND the logs/.tee-on flag file exists (so it can be switched off live). Never part of the usage log.
import { appendFileSync, chmodSync, existsSync } from 'node:fs';
import { bodyTeePath, teeFlagPath } from '../../common/logs-layout.js';
import type { AttemptEvent } from '../lane/router.js';

export function createBodyTee(logsDir: string): (e: AttemptEvent) => void {
  const file = bodyTeePath(logsDir);
  const flag = teeFlagPath(logsDir);
  return ({ record, request }) => {
    if (record.attempt !== 1 || !existsSync(flag)) return;
    const line = `${JSON.stringify({ ts: record.ts, rid: record.rid, path: request.path, model: request.model, body: request.body.toString('utf8') })}\n`;
    appendFileSync(file, line, { mode: 0o600 });
    chmodSync(file, 0o600);
  };
}

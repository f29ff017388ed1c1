// Z.AI receives what Claude Code sends to a third-party endpoint, nothing more. The pinned real CLI runs
// twice: once with ANTHROPIC_BASE_URL at a plain recording server (the third-party shape, as Z.AI's own
// documentation sets Claude Code up) and once through the proxy with its Haiku call on the Z.AI lane
// (the first-party shape, rewritten by the proxy). The sets of betas, body fields and headers must
// match, so the next CLI that changes either shape fails here instead of in a user's session.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { FakeUpstream, type RecordedRequest } from '../proxy/rig/fake-upstream.js';
import { FAKE_ANTHROPIC_KEY, FAKE_ZAI_KEY, startRig, type Rig } from '../proxy/rig/rig.js';
import { CLAUDE, CLAUDE_CODE_VERSION, ensureClaude, messagesRequests, runClaude } from './claude.js';

interface Shape {
  betas: string[];
  fields: string[];
  headers: string[];
  userAgent: string;
  system: string;
}

function shapeOf(requests: RecordedRequest[]): Shape {
  const r = messagesRequests({ requests }).at(-1);
  if (!r) throw new Error('no /v1/messages request recorded');
  const body = JSON.parse(r.body.toString()) as Record<string, unknown>;
  return {
    betas: String(r.headers['anthropic-beta'] ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean)
      .sort(),
    fields: Object.keys(body).sort(),
    headers: Object.keys(r.headers)
      // Connection-level and credentials: each hop sets its own.
      .filter(
        (h) => !['host', 'connection', 'content-length', 'accept-encoding', 'x-api-key', 'authorization'].includes(h),
      )
      .sort(),
    userAgent: String(r.headers['user-agent']),
    system: JSON.stringify(body.system ?? ''),
  };
}

let rig: Rig;
let third: FakeUpstream;

test.before(async () => {
  await ensureClaude();
  rig = await startRig({});
  third = await new FakeUpstream({ name: 'third-party' }).start();
});

test.after(async () => {
  await rig?.stop();
  await third?.stop();
});

test(`Claude Code ${CLAUDE_CODE_VERSION}: the Z.AI lane gets the third-party shape — same betas, body fields and headers, Claude Code's own User-Agent and system preamble`, async () => {
  const home = mkdtempSync(join(tmpdir(), 'ccp-claude-home-'));
  try {
    const direct = await execa(CLAUDE, ['-p', '--model', 'haiku', 'ok', '--output-format', 'json'], {
      extendEnv: false,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        ANTHROPIC_BASE_URL: third.baseUrl,
        ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
      },
      timeout: 90_000,
      reject: false,
      stdin: 'ignore',
    });
    assert.is(direct.exitCode, 0, `${direct.stdout}${direct.stderr}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const run = await runClaude(rig, 'haiku', { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY });
  assert.is(run.exitCode, 0, `${run.stdout}${run.stderr}`);
  assert.is((JSON.parse(String(run.stdout)) as { result: string }).result, 'ok from zai-fake');

  const thirdParty = shapeOf(third.requests);
  const onZai = shapeOf(rig.zai.requests);
  // The strict simulated Z.AI answered the first attempt: nothing it does not know was sent.
  assert.equal(
    messagesRequests(rig.zai).map((q) => q.status),
    messagesRequests(rig.zai).map(() => 200),
  );
  assert.equal(onZai.betas, thirdParty.betas, 'betas');
  assert.equal(onZai.fields, thirdParty.fields, 'body fields');
  // The one header the third-party shape has that Z.AI does not get: the user's session id (privacy).
  assert.equal(
    onZai.headers,
    thirdParty.headers.filter((h) => h !== 'x-claude-code-session-id'),
    'headers',
  );
  assert.is(onZai.userAgent, thirdParty.userAgent);
  assert.match(onZai.userAgent, `claude-cli/${CLAUDE_CODE_VERSION}`);
  assert.match(onZai.system, 'Claude Code', 'the system preamble Z.AI filters on is kept');
  assert.is(rig.zai.requests.at(-1)!.headers['x-api-key'], FAKE_ZAI_KEY);
});

test.run();

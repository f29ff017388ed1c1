// npm run bundle as a user runs it: planted secrets never survive into the extracted archive, and the
import { usageLogPath } from '../proxy/common/logs-layout.js';
// final scan catches them on its own when redaction is switched off.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tar from 'tar';
import { handoffSection } from '../proxy/read/handoff.js';
import { randomBytes } from 'node:crypto';
import { redact } from '../proxy/read/redact.js';
import { scanForSecrets } from '../proxy/read/secret-scan.js';
import { summarizeLog, verifyLog } from '../proxy/read/reports.js';
import { jsonLines, npmRun } from './helpers.js';

const ZAI_KEY = 'zai-planted-key-9f8e7d6c5b4a';
const PLANTED = [
  ZAI_KEY,
  'sk-ant-api03-planted-client-key-abcdefghij',
  'sk-ant-oat01-planted-oauth-token-klmnopqrst',
  'Bearer plantedbearertoken123456',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC',
];
// A private-key-shaped block, assembled at run time so no key-looking text sits in the repository.
const KEY_LABEL = ['PRIVATE', 'KEY'].join(' ');
const PEM = `-----BEGIN ${KEY_LABEL}-----\n${PLANTED[4]}\nabcdef\n-----END ${KEY_LABEL}-----\n`;

// Secrets the bundle is not told about (none is the configured key), in every shape a user's files hold
// them. Assembled at run time from random bytes: nothing key-shaped sits in the repository.
const rand = (n: number, alphabet: string) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const v = () => rand(24, ALNUM);
const UNTOLD: [string, string, string][] = (() => {
  const zaiFormat = `${randomBytes(16).toString('hex')}.${rand(16, ALNUM)}`;
  const [a, b, c, d, e] = [v(), v(), v(), v(), v()];
  const basic = Buffer.from(`user:${v()}`).toString('base64');
  return [
    ['a Z.AI key in its own format', `key in a note: ${zaiFormat}`, zaiFormat],
    ['JSON {"ZAI_API_KEY":…}', `{"ZAI_API_KEY":"${a}"}`, a],
    ['escaped JSON {\\"x-api-key\\":…}', `{"body":"{\\"x-api-key\\":\\"${b}\\"}"}`, b],
    ['a lower-case assignment', `zai_api_key=${c}`, c],
    ['a raw Authorization value', `Authorization: ${d}`, d],
    ['a Basic Authorization value', `authorization: Basic ${basic}`, basic],
    ['an OAuth token in a JSON member', `{"anthropic_auth_token":"${e}"}`, e],
    ['an AWS access key id', `aws ${['AK', 'IA'].join('')}${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`, ''],
    ['a GitHub token', `gh ${['gh', 'p_'].join('')}${rand(36, ALNUM)}`, ''],
    ['an OpenAI key', `openai ${['sk', '-proj-'].join('')}${rand(40, ALNUM)}`, ''],
  ].map(([what, text, value]) => [what!, text!, value || text!.split(' ').at(-1)!]);
})();

let dir: string;
let env: Record<string, string>;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-bundle-'));
  const logs = join(dir, 'logs');
  const results = join(dir, 'results');
  mkdirSync(logs);
  mkdirSync(results);
  const line = (o: Record<string, unknown>) =>
    JSON.stringify({
      v: 1,
      rid: 'r1',
      attempt: 1,
      lane: 'zai',
      upstream: 'api.z.ai',
      model: 'claude-haiku-4-5',
      decision: 'forced_model',
      path: '/v1/messages',
      ...o,
    });
  writeFileSync(
    usageLogPath(logs),
    `${[
      line({ event: 'decision', ts: 1795000000 }),
      line({
        event: 'complete',
        ts: 1795000001,
        status: 200,
        latency_ms: 12,
        error: `leaked ${ZAI_KEY} and x-api-key: ${PLANTED[1]}`,
      }),
    ].join('\n')}\n`,
  );
  writeFileSync(
    join(logs, 'usage.jsonl.1'),
    `{"note":"authorization: ${PLANTED[3]}","ts":1}\n${UNTOLD.map(([, text]) => JSON.stringify({ note: text, ts: 2 })).join('\n')}\n`,
  );
  writeFileSync(join(results, 'notes.txt'), `${UNTOLD.map(([, text]) => text).join('\n')}\n`);
  // A body sample as the tee writes it, with the user's own secrets pasted into the prompt.
  const BODY_SECRET = 'sk-ant-api03-pasted-into-the-prompt-0987654321';
  writeFileSync(
    join(logs, 'body-samples.jsonl'),
    `${JSON.stringify({ body: { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: `the user prompt; my key is ${BODY_SECRET} and ZAI_API_KEY=${ZAI_KEY}` }] } })}\n`,
  );
  writeFileSync(join(logs, 'mitm.state.json'), '{"token":"control-token"}\n');
  writeFileSync(join(results, 'METRICS.json'), JSON.stringify({ oauth: PLANTED[2], key: PEM }));
  writeFileSync(join(results, '.env'), `ZAI_API_KEY=${ZAI_KEY}\n`);
  writeFileSync(join(results, 'ca-key.pem'), PEM);
  env = {
    CCP_LOGS_DIR: logs,
    CCP_RESULTS_DIR: results,
    CCP_CA_DIR: join(dir, 'ca'),
    ZAI_API_KEY: ZAI_KEY,
    MITM_PORT: '18999',
  };
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

function walk(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
  );
}

test('redaction and scan, unit: every planted shape is replaced and then found clean', () => {
  const text = `${PLANTED.slice(0, 4).join(' ')} "x-api-key":"abcdefghijklm" ZAI_API_KEY=whatever-value ${PEM}`;
  assert.ok(scanForSecrets(text, [ZAI_KEY]).length);
  const clean = redact(text, [ZAI_KEY]);
  for (const p of PLANTED) assert.not.match(clean, p);
  assert.not.match(clean, 'abcdefghijklm');
  assert.equal(scanForSecrets(clean, [ZAI_KEY]), [], clean);
  // Ordinary log content is left alone.
  const benign = '{"header_mode":"x-api-key","by_header_mode":{"x-api-key":{"requests":3}},"decision":"forced_model"}';
  assert.is(redact(benign, [ZAI_KEY]), benign);
  assert.equal(scanForSecrets(benign, [ZAI_KEY]), []);
});

test('the redactor stays on its line and stops at a backtick: prose after "Authorization: Bearer" survives', () => {
  // results/ZAI-Header-AB.md ends a line with the header mode's name; docs/ZAI.md quotes a header in backticks.
  assert.is(
    redact('mode: Authorization: Bearer\n\nGenerated 2026-12-06 by npm run report', []),
    'mode: Authorization: Bearer\n\nGenerated 2026-12-06 by npm run report',
  );
  assert.is(
    redact('send `Authorization: Bearer <key>` to Z.AI', []),
    'send `Authorization: Bearer [REDACTED]` to Z.AI',
  );
  assert.is(redact('x-api-key: sk-ant-api03-abcdefghijklmnop\nnext line', []), 'x-api-key: [REDACTED]\nnext line');
  assert.is(
    redact('Authorization: Bearer plantedbearertoken123456 and more', []),
    'Authorization: Bearer [REDACTED] and more',
  );
});

test('secrets the bundle was not told about: each shape is found by the scan and removed by the redactor', () => {
  for (const [what, text, value] of UNTOLD) {
    assert.ok(scanForSecrets(text).length > 0, `the scan misses ${what}: ${text}`);
    const clean = redact(text, []);
    assert.not.match(clean, value, `the redactor leaves ${what}: ${clean}`);
    assert.equal(scanForSecrets(clean), [], `${what} after redaction: ${clean}`);
  }
});

test('the scan is a second detector: a random key-like token of no known format is found though the redactor keeps it', () => {
  // 40 distinct characters in random order: random-looking by any measure.
  const token = [...ALNUM]
    .map((c) => [randomBytes(4).readUInt32BE(0), c] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(0, 40)
    .map(([, c]) => c)
    .join('');
  const line = `{"note":"${token}"}`;
  assert.is(redact(line, []), line);
  assert.equal(
    scanForSecrets(line).map((f) => f.what),
    ['a high-entropy key-like token'],
  );
  // What the kit's own files hold is not mistaken for a secret: ids, hashes, UUIDs, model ids, fingerprints.
  const ours = [
    JSON.stringify({
      v: 1,
      event: 'complete',
      ts: 1795000001.5,
      rid: '9f3a2c1b',
      request_id: `req_011CV${rand(20, ALNUM)}`,
      session: 'b0e1c2d3-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
      model: 'claude-haiku-4-5-20251001',
      upstream: 'api.z.ai',
      header_mode: 'x-api-key',
    }),
    `{"sha256":"${randomBytes(32).toString('hex')}","path":"logs/usage.jsonl"}`,
    'CA SHA-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
    'error: proxy: Z.AI rejected the Z.AI key (HTTP 401); check ZAI_API_KEY and ZAI_HEADER_MODE',
  ];
  for (const l of ours) {
    assert.is(redact(l, []), l, l);
    assert.equal(scanForSecrets(l), [], l);
  }
});

test('npm run bundle: directory + 0600 tgz; no planted secret, .env, CA key, state file or body survives extraction', async () => {
  const out = join(dir, 'out');
  const r = await npmRun('bundle', ['--out', out], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  const tgz = readdirSync(out).find((f) => f.endsWith('.tgz'))!;
  assert.match(tgz, /^agentos_tmp_review-\d{8}-\d{6}\.tgz$/);
  assert.is(statSync(join(out, tgz)).mode & 0o777, 0o600);
  const x = join(dir, 'extracted');
  mkdirSync(x);
  await tar.x({ file: join(out, tgz), cwd: x });
  const root = join(x, tgz.replace(/\.tgz$/, ''));
  const files = walk(root)
    .map((f) => relative(root, f))
    .sort();
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8');
    for (const p of PLANTED) assert.not.match(text, p, `${p} survived in ${f}`);
    for (const [what, , value] of UNTOLD) assert.not.match(text, value, `${what} survived in ${f}`);
  }
  assert.ok(files.includes('logs/usage.jsonl') && files.includes('logs/usage.jsonl.1'));
  assert.ok(files.includes('results/METRICS.json'));
  assert.ok(files.includes('docs/METRICS-SCHEMA.md'));
  assert.ok(files.includes('STATE.json') && files.includes('MANIFEST.json'));
  for (const never of ['results/.env', 'results/ca-key.pem', 'logs/mitm.state.json', 'logs/body-samples.jsonl'])
    assert.not.ok(files.includes(never), never);
  // The redacted log is still a usable log.
  const m = await summarizeLog(usageLogPath(join(root, 'logs')), { includeRotated: false });
  assert.is(m.totals.requests, 1);
  const manifest = JSON.parse(readFileSync(join(root, 'MANIFEST.json'), 'utf8')) as {
    files: { path: string; bytes: number; sha256: string }[];
  };
  assert.equal(
    manifest.files.map((f) => f.path).sort(),
    files.filter((f) => f !== 'MANIFEST.json'),
  );
  for (const f of manifest.files) {
    const buf = readFileSync(join(root, f.path));
    assert.is(f.bytes, buf.length);
    assert.is(f.sha256, createHash('sha256').update(buf).digest('hex'), f.path);
  }
  const state = JSON.parse(readFileSync(join(root, 'STATE.json'), 'utf8'));
  assert.is(state.versions.node, process.version);
  assert.ok(state.versions.mockttp);
  assert.is(state.toggles.zai_key_set, true);
  // What was offloaded, as the run line says it (a reviewer can tell whether subagents moved).
  const runLine = jsonLines<{ event: string; offload?: string }>(usageLogPath(join(root, 'logs'))).find(
    (l) => l.event === 'run',
  );
  assert.ok(typeof state.toggles.CCP_OFFLOAD === 'string', JSON.stringify(state.toggles));
  if (runLine) assert.is(state.toggles.CCP_OFFLOAD, runLine.offload);
  assert.is(state.proxy.running, false);
  assert.match(state.git.commit ?? '', /^[0-9a-f]{40}$/);
  assert.is(typeof state.git.dirty, 'boolean');
});

test('--with-bodies adds the body samples (redacted like everything else)', async () => {
  const out = join(dir, 'out-bodies');
  const r = await npmRun('bundle', ['--out', out, '--with-bodies'], env);
  assert.is(r.exitCode, 0, String(r.stderr));
  const bdir = readdirSync(out).find((f) => !f.endsWith('.tgz'))!;
  const bodies = readFileSync(join(out, bdir, 'logs', 'body-samples.jsonl'), 'utf8');
  assert.match(bodies, 'the user prompt; my key is [REDACTED]');
  for (const secret of ['sk-ant-api03-pasted-into-the-prompt-0987654321', ZAI_KEY]) assert.not.match(bodies, secret);
  assert.match(String(r.stdout), 'logs/body-samples.jsonl', 'named among the redacted files');
});

test('the final scan does not depend on the redactor: with redaction off the bundle fails and is deleted', async () => {
  const out = join(dir, 'out-unsafe');
  const r = await npmRun('bundle', ['--out', out, '--unsafe-skip-redaction-for-tests'], env);
  assert.is(r.exitCode, 1);
  assert.match(String(r.stderr), /secret found in (logs|results)\/[^ ]+ \(/);
  assert.match(String(r.stderr), 'the bundle was deleted');
  assert.equal(existsSync(out) ? readdirSync(out) : [], []);
});

test('--handoff section: toggles, versions, bundle path, summarize headline, verify verdict', async () => {
  const log = usageLogPath(env.CCP_LOGS_DIR!);
  const section = handoffSection({
    now: new Date('2026-11-24T12:00:00Z'),
    state: {
      toggles: { source: 'x', CCP_OFFLOAD: 'haiku,subagents', FORCE_HAIKU_TO_ZAI: true, ZAI_HEADER_MODE: 'x-api-key' },
      versions: { node: 'v20', claude: '2.1.197' },
    },
    bundle: '/tmp/b.tgz',
    metrics: await summarizeLog(log),
    verdict: await verifyLog(log, []),
  });
  assert.match(section, '## 2026-11-24 12:00 UTC');
  assert.match(
    section,
    '- settings (from x): CCP_OFFLOAD=haiku,subagents, FORCE_HAIKU_TO_ZAI=true, ZAI_HEADER_MODE=x-api-key',
  );
  assert.match(section, 'claude 2.1.197');
  assert.match(section, 'bundle: /tmp/b.tgz');
  assert.match(section, 'zai 1 req, 0 err, p50 12 ms');
  assert.match(section, 'verify-routing: PASS');
});

test('npm run bundle -- --handoff appends a dated section to docs/SESSION_HANDOFF.md (restored after)', async () => {
  const { REPO_ROOT } = await import('../proxy/common/config.js');
  const file = join(REPO_ROOT, 'docs', 'SESSION_HANDOFF.md');
  const original = readFileSync(file, 'utf8');
  try {
    const out = join(dir, 'out-handoff');
    const r = await npmRun('bundle', ['--out', out, '--handoff'], env);
    assert.is(r.exitCode, 0, String(r.stderr));
    const added = readFileSync(file, 'utf8').slice(original.length);
    const tgz = readdirSync(out).find((f) => f.endsWith('.tgz'))!;
    assert.match(added, /^\n## \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    assert.match(added, `bundle: ${join(out, tgz)}`);
    assert.match(added, 'verify-routing: FAIL');
    assert.not.match(added, ZAI_KEY);
    // The bundle carries the handoff as written, including the new section.
    const x = join(dir, 'extracted-handoff');
    mkdirSync(x);
    await tar.x({ file: join(out, tgz), cwd: x });
    assert.match(
      readFileSync(join(x, tgz.replace(/\.tgz$/, ''), 'docs', 'SESSION_HANDOFF.md'), 'utf8'),
      added.trim().split('\n')[0]!,
    );
  } finally {
    writeFileSync(file, original);
  }
});

test.run();

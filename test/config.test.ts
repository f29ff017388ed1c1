import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, REPO_ROOT, SETTINGS, parseConfig } from '../proxy/common/config.js';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (e) {
    assert.instance(e, ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

test('defaults match the README settings table (docs/CONTRACT.md §6)', () => {
  const c = parseConfig({}, '/repo');
  assert.is(c.port, 8082);
  assert.is(c.zaiBaseUrl.href, 'https://api.z.ai/api/anthropic');
  assert.is(c.anthBaseUrl.origin, 'https://api.anthropic.com');
  assert.is(c.zaiHeaderMode, 'x-api-key');
  assert.ok(c.offload.haiku);
  assert.not.ok(c.offloadPaused || c.forceH1 || c.bodyTee || c.filterChain);
  assert.is(c.zaiApiKey, undefined);
  assert.is(c.logsDir, '/repo/logs');
  assert.is(c.maxBodyBytes, 64 * 1024 * 1024);
});

test('relative paths resolve from the repo root, not the current directory', () => {
  const c = parseConfig({ CCP_LOGS_DIR: 'var/logs' }, '/somewhere/repo');
  assert.is(c.logsDir, '/somewhere/repo/var/logs');
});

test('every bad value names the variable and the allowed values', () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ MITM_PORT: 'abc' }, 'MITM_PORT', /1 to 65535/],
    [{ MITM_PORT: '70000' }, 'MITM_PORT', /1 to 65535/],
    [{ ZAI_HEADER_MODE: 'bearer' }, 'ZAI_HEADER_MODE', /x-api-key \| authorization/],
    [{ FORCE_HAIKU_TO_ZAI: 'maybe' }, 'FORCE_HAIKU_TO_ZAI', /1 or 0/],
    [{ OFFLOAD_PAUSED: '2' }, 'OFFLOAD_PAUSED', /1 or 0/],
    [{ MITM_FORCE_H1: 'y' }, 'MITM_FORCE_H1', /1 or 0/],
    [{ ZAI_BASE_URL: 'api.z.ai' }, 'ZAI_BASE_URL', /absolute http/],
    [{ ANTH_BASE_URL: 'ftp://x' }, 'ANTH_BASE_URL', /absolute http/],
    [{ ZAI_MODEL_MAP: 'haiku' }, 'ZAI_MODEL_MAP', /substring=model/],
    [{ CCP_MAX_BODY_MB: '-1' }, 'CCP_MAX_BODY_MB', /positive/],
    [{ CCP_UPSTREAM_CA: '/nonexistent/ca.pem' }, 'CCP_UPSTREAM_CA', /not found/],
  ];
  for (const [env, variable, allowed] of cases) {
    const e = errorOf(env);
    assert.is(e.variable, variable);
    assert.match(e.message, variable);
    assert.match(e.message, allowed);
  }
});

test('model map parses substring=model pairs, lower-casing the match', () => {
  assert.equal(parseConfig({ ZAI_MODEL_MAP: 'Haiku-4-5=glm-4.5-air, haiku=glm-4.5-flash' }).zaiModelMap, [
    { match: 'haiku-4-5', target: 'glm-4.5-air' },
    { match: 'haiku', target: 'glm-4.5-flash' },
  ]);
});

test('.env.example documents every setting with its default, and nothing else', () => {
  const text = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
  const documented = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) documented.set(m[1]!, m[2]!);
  }
  assert.equal([...documented.keys()].sort(), Object.keys(SETTINGS).sort());
  for (const [k, v] of Object.entries(SETTINGS)) assert.is(documented.get(k), v, k);
});

test.run();

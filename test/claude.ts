// The real Claude Code CLI for the end-to-end suites. It is not a dependency of the kit (users bring
// their own `claude`): a pinned version is installed on first use into the git-ignored
// .cache/claude-code and reused after. Every run is bounded and gets a fresh HOME.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { REPO_ROOT } from '../proxy/common/config.js';
import type { Rig } from '../proxy/rig/rig.js';

/**
 * The newest Claude Code when this was written (2.1.337, published 2026-12-04). It ships as a native
 * binary, so it runs whatever Node the kit runs on (its package declares Node ≥ 22; npm only warns).
 * CCP_TEST_CLAUDE_VERSION picks another (2.1.332 passed every suite of the previous round).
 */
export const CLAUDE_CODE_VERSION = process.env.CCP_TEST_CLAUDE_VERSION ?? '2.1.337';
const CACHE = join(REPO_ROOT, '.cache', 'claude-code', CLAUDE_CODE_VERSION);
export const CLAUDE = join(CACHE, 'node_modules', '.bin', 'claude');
export const OAUTH_TOKEN = 'sk-ant-oat01-fake-subscription-token-0123456789';

export async function ensureClaude(): Promise<void> {
  if (existsSync(CLAUDE)) return;
  console.log(`installing @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into ${CACHE} (first run only)…`);
  await execa(
    'npm',
    [
      'install',
      '--prefix',
      CACHE,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--engine-strict=false',
      `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`,
    ],
    {
      timeout: 10 * 60_000,
      stdio: 'inherit',
    },
  );
}

export interface CliResult {
  is_error: boolean;
  result: string;
  usage?: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
}

/** One `claude -p` run in a fresh HOME, configured only through the environment a user sources. */
export async function runClaude(
  rig: Rig,
  model: string,
  credential: Record<string, string>,
  extraEnv: Record<string, string> = {},
) {
  const home = mkdtempSync(join(tmpdir(), 'ccp-claude-home-'));
  try {
    return await execa(CLAUDE, ['-p', '--model', model, 'ok', '--output-format', 'json'], {
      extendEnv: false,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        HTTPS_PROXY: rig.proxyUrl,
        NO_PROXY: '127.0.0.1,localhost',
        NODE_EXTRA_CA_CERTS: rig.proxy.ca.certPath,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
        ...credential,
        ...extraEnv,
      },
      timeout: 90_000,
      reject: false,
      stdin: 'ignore',
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** A run that must succeed; its JSON result. */
export async function claude(rig: Rig, model: string, credential: Record<string, string>): Promise<CliResult> {
  const run = await runClaude(rig, model, credential);
  assert.is(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr}\n${run.stdout}`);
  return JSON.parse(String(run.stdout)) as CliResult;
}

export function messagesRequests<R extends { url: string }>(f: { requests: R[] }): R[] {
  return f.requests.filter((q) => q.url.includes('/v1/messages'));
}

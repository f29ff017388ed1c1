// Runs a TypeScript task as one bundled ES module, without tsx's loader. For the long-running proxy:
// tsx compiles each module at load through a loader thread that then stays resident (~30 MB). esbuild
// (the compiler tsx itself uses) bundles our sources in ~100 ms; packages stay external imports.
// Usage: node tasks/launch.mjs tasks/mitm.ts [args…]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tasks/launch.mjs <entry.ts> [args…]');
  process.exit(2);
}
const result = await build({
  entryPoints: [resolve(root, entry)],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  write: false,
  logLevel: 'error',
  keepNames: true,
});
// esbuild answers from a helper process; end it rather than keep it beside the proxy all day.
await stop();
const code = result.outputFiles[0].contents;
// Two levels below the repo root, like proxy/common/config.ts: the sources find the root as '../..'
// from import.meta.url. Named by content, so concurrent starts never see a half-written file.
const dir = join(root, '.cache', 'bundles');
const name = basename(entry).replace(/\.ts$/, '');
const file = `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`;
const out = join(dir, file);
if (!existsSync(out)) {
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, out);
}
// Bundles of earlier sources: a running process has already loaded its own, so they can go.
for (const f of readdirSync(dir))
  if (f.startsWith(`${name}-`) && f.endsWith('.mjs') && f !== file) rmSync(join(dir, f), { force: true });
process.argv = [process.argv[0], out, ...args];
await import(pathToFileURL(out).href);

// Runs a TypeScript task as one bundled ES module, without tsx's loader: the long-running proxy and the
// log readers. tsx compiles each module at load through a loader thread that then stays resident
// (~30 MB, and ~1 s of a reader's run). esbuild (the compiler tsx itself uses) bundles our sources in
// ~100 ms; packages stay external imports.
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
const dir = join(root, '.cache');
const name = basename(entry).replace(/\.ts$/, '');
// splitting: a module the sources load with `await import()` (remote write, say) becomes a chunk of its
// own, and so do the packages only it imports: a running proxy loads them only when it needs them.
const result = await build({
  entryPoints: { [name]: resolve(root, entry) },
  bundle: true,
  splitting: true,
  outdir: join(dir, 'out'),
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
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
const hash = createHash('sha256');
for (const f of result.outputFiles) hash.update(basename(f.path)).update(f.contents);
// Two levels below the repo root, like proxy/common/config.ts: the sources find the root as '../..'
// from import.meta.url (.cache/bundle-mitm-<hash>/mitm.mjs). Named by content, so concurrent starts
// never see a half-written build.
const build_ = `bundle-${name}-${hash.digest('hex').slice(0, 16)}`;
const out = join(dir, build_, `${name}.mjs`);
if (!existsSync(out)) {
  const tmp = join(dir, `${build_}.${process.pid}.tmp`);
  mkdirSync(tmp, { recursive: true });
  for (const f of result.outputFiles) writeFileSync(join(tmp, basename(f.path)), f.contents);
  try {
    renameSync(tmp, join(dir, build_));
  } catch (e) {
    // Another start wrote the same build first.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(out)) throw e;
  }
}
// Builds of earlier sources: a running process has already loaded its own, so they can go.
for (const f of readdirSync(dir))
  if (f.startsWith(`bundle-${name}-`) && f !== build_ && !f.endsWith('.tmp'))
    rmSync(join(dir, f), { recursive: true, force: true });
process.argv = [process.argv[0], out, ...args];
await import(pathToFileURL(out).href);

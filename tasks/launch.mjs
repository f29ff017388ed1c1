// Runs a TypeScript task as one bundled ES module, without tsx's loader: the long-running proxy and the
// log readers. tsx compiles each module at load through a loader thread that then stays resident
// (~30 MB, and ~1 s of a reader's run). esbuild (the compiler tsx itself uses) bundles our sources in
// ~100 ms; packages stay external imports. A build is reused, without loading esbuild, while every source
// it was made from keeps its size and mtime.
// Usage: node tasks/launch.mjs tasks/mitm.ts [args…]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tasks/launch.mjs <entry.ts> [args…]');
  process.exit(2);
}
const dir = join(root, '.cache');
const name = basename(entry).replace(/\.ts$/, '');
const prefix = `bundle-${name}-`;

/** What a build was made from: every source file esbuild read, with its size and mtime, and this launcher. */
function stamp(files) {
  return files.map((f) => {
    const st = statSync(resolve(root, f), { throwIfNoEntry: false });
    return [f, st ? st.size : -1, st ? st.mtimeMs : -1];
  });
}

/** The newest build whose sources are all as they were: then esbuild is not even loaded (~10 MB, ~0.1 s). */
function upToDate() {
  if (!existsSync(dir)) return undefined;
  for (const d of readdirSync(dir).filter((f) => f.startsWith(prefix) && !f.endsWith('.tmp'))) {
    try {
      const was = JSON.parse(readFileSync(join(dir, d, 'sources.json'), 'utf8'));
      const now = stamp(was.map(([f]) => f));
      if (JSON.stringify(now) === JSON.stringify(was) && existsSync(join(dir, d, `${name}.mjs`))) return d;
    } catch {
      // no record, or unreadable: not reused
    }
  }
  return undefined;
}

async function bundle() {
  const { build, stop } = await import('esbuild');
  // splitting: a module the sources load with `await import()` (remote write, say) becomes a chunk of
  // its own, and so do the packages only it imports: a running process loads them only when it needs them.
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
    metafile: true,
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
  const build_ = `${prefix}${hash.digest('hex').slice(0, 16)}`;
  const sources = stamp([...Object.keys(result.metafile.inputs), 'tasks/launch.mjs', 'tsconfig.json', 'package.json']);
  if (!existsSync(join(dir, build_, `${name}.mjs`))) {
    const tmp = join(dir, `${build_}.${process.pid}.tmp`);
    mkdirSync(tmp, { recursive: true });
    for (const f of result.outputFiles) writeFileSync(join(tmp, basename(f.path)), f.contents);
    writeFileSync(join(tmp, 'sources.json'), JSON.stringify(sources));
    try {
      renameSync(tmp, join(dir, build_));
    } catch (e) {
      // Another start wrote the same build first.
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, build_, `${name}.mjs`))) throw e;
    }
  } else writeFileSync(join(dir, build_, 'sources.json'), JSON.stringify(sources));
  return build_;
}

const build_ = upToDate() ?? (await bundle());
const out = join(dir, build_, `${name}.mjs`);
// The single-file bundles of the layout before this one (.cache/bundles/): a process that runs one has it loaded.
rmSync(join(dir, 'bundles'), { recursive: true, force: true });
// Builds of earlier sources: a running process has already loaded its own, so they can go.
for (const f of readdirSync(dir))
  if (f.startsWith(prefix) && f !== build_ && !f.endsWith('.tmp'))
    rmSync(join(dir, f), { recursive: true, force: true });
process.argv = [process.argv[0], out, ...args];
await import(pathToFileURL(out).href);

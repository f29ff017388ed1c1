// The house's rules, checked on the sources: arrows between the wings point one way, no import cycle,
// nothing in proxy/ imports tasks/, and the log readers load neither the running proxy nor mockttp.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { REPO_ROOT } from '../proxy/common/config.js';
import { mitmCommand } from '../proxy/rig/proxy-process.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs)$/.test(f) ? [p] : [];
  });
}

/** Every relative import of every file (static, type-only, re-exports and dynamic), as repo-relative paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of [...files(join(REPO_ROOT, 'proxy')), ...files(join(REPO_ROOT, 'tasks'))]) {
    const src = readFileSync(abs, 'utf8');
    const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\1/g)].map((m) => m[2]!);
    graph.set(
      relative(REPO_ROOT, abs),
      specs.map((s) => relative(REPO_ROOT, resolve(dirname(abs), s)).replace(/\.js$/, '.ts')),
    );
  }
  return graph;
}

/** What each wing may import, besides itself. */
const ALLOWED: Record<string, string[]> = {
  common: [],
  serve: ['common'],
  read: ['common'],
  ops: ['common', 'read'],
  run: ['common', 'serve', 'ops'],
  rig: ['common', 'serve', 'read', 'ops', 'run'],
};

const wingOf = (path: string) => /^proxy\/([^/]+)\//.exec(path)?.[1];

test('every file of proxy/ lives in a wing, and arrows between wings point one way', () => {
  const graph = importGraph();
  const wrong: string[] = [];
  for (const [from, tos] of graph) {
    if (!from.startsWith('proxy/')) continue;
    const wing = wingOf(from);
    assert.ok(wing && wing in ALLOWED, `${from} is not in a wing (${Object.keys(ALLOWED).join(', ')})`);
    for (const to of tos) {
      if (to.startsWith('tasks/')) wrong.push(`${from} → ${to} (proxy/ never imports tasks/)`);
      const target = wingOf(to);
      if (target && target !== wing && !ALLOWED[wing!]!.includes(target)) wrong.push(`${from} → ${to}`);
    }
  }
  assert.equal(wrong, []);
});

/**
 * The rooms of serve/, bottom to top, along the path of a request: each may import only the rooms below
 * it. errors.ts is the floor (every room answers errors); server.ts and banner.ts assemble the rest.
 */
const SERVE_ROOMS = ['front', 'upstream', 'lane', 'observe', 'control'];
const serveRoomOf = (path: string): string | undefined => {
  const m = /^proxy\/serve\/(?:([^/]+)\/)?([^/]+)$/.exec(path);
  if (!m) return undefined;
  return m[1] ?? (m[2] === 'errors.ts' ? 'floor' : 'top');
};
const serveLevel = (room: string) => (room === 'floor' ? -1 : room === 'top' ? 99 : SERVE_ROOMS.indexOf(room));

test('inside serve/ the rooms import one way: front ← upstream ← lane ← observe ← control', () => {
  const wrong: string[] = [];
  for (const [from, tos] of importGraph()) {
    const room = serveRoomOf(from);
    if (!room) continue;
    assert.ok(serveLevel(room) !== -1 || room === 'floor', `${from} is not in a room of serve/`);
    for (const to of tos) {
      const target = serveRoomOf(to);
      if (!target || target === room) continue;
      if (serveLevel(target) >= serveLevel(room)) wrong.push(`${from} → ${to}`);
    }
  }
  assert.equal(wrong, []);
});

test('no import cycle anywhere in proxy/ and tasks/', () => {
  const graph = importGraph();
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
      return;
    }
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  assert.equal(cycles, []);
});

test('the log readers load neither the running proxy nor mockttp (esbuild metafile of each reader task)', async () => {
  for (const task of ['summarize', 'verify-routing', 'report', 'bundle']) {
    const r = await build({
      entryPoints: [join(REPO_ROOT, 'tasks', `${task}.ts`)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    assert.ok(
      inputs.some((i) => i.includes('proxy/read/')),
      `${task}: the metafile names the readers it bundles`,
    );
    assert.equal(
      inputs.filter((i) => i.includes('proxy/serve/')),
      [],
      `${task} bundles the running proxy`,
    );
    const external = Object.values(r.metafile.inputs).flatMap((i) =>
      i.imports.filter((x) => x.external).map((x) => x.path),
    );
    assert.not.ok(
      external.some((p) => p === 'mockttp' || p.startsWith('mockttp/')),
      `${task} imports mockttp: ${external.join(', ')}`,
    );
  }
});

test('docs/ARCHITECTURE.md names every module of proxy/ (the map stays true to the code)', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
  const missing = files(join(REPO_ROOT, 'proxy'))
    .map((f) => relative(join(REPO_ROOT, 'proxy'), f))
    .filter((f) => !doc.includes(`\`${f.split('/').slice(1).join('/')}\``));
  assert.equal(missing, []);
});

test('the proxy-process helper starts exactly what npm run mitm runs', () => {
  const script = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts.mitm;
  const { args } = mitmCommand();
  assert.is(script, `node ${args.map((a) => relative(REPO_ROOT, a)).join(' ')}`);
});

test.run();

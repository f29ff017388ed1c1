// The platform-specific parts, checked here against recorded layouts and tool output of other machines
// (macOS above all, where most users are): where a browser is, who holds a port by lsof, what npm test
// tells a user to install, and the bundle's default place.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../proxy/common/config.js';
import { parseLsof } from '../proxy/ops/port-owner.js';
import { findBrowser, installCommand, missingTools, type Machine } from '../proxy/rig/prerequisites.js';

function machine(
  platform: NodeJS.Platform,
  files: string[],
  commands: Record<string, string>,
  env: Record<string, string> = {},
): Machine {
  const set = new Set(files);
  return { platform, env, home: '/Users/dev', exists: (p) => set.has(p), which: (c) => commands[c] };
}

const MAC_TOOLS = { curl: '/usr/bin/curl', bash: '/bin/bash', zsh: '/bin/zsh' };

test('macOS: Chrome in /Applications is found; a Chromium in ~/Applications too; CHROME_PATH wins', () => {
  const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
  assert.is(findBrowser(machine('darwin', [chrome], MAC_TOOLS)), chrome);
  const userChromium = '/Users/dev/Applications/Chromium.app/Contents/MacOS/Chromium';
  assert.is(findBrowser(machine('darwin', [userChromium], MAC_TOOLS)), userChromium);
  assert.is(
    findBrowser(machine('darwin', [chrome, '/opt/brave'], MAC_TOOLS, { CHROME_PATH: '/opt/brave' })),
    '/opt/brave',
  );
  assert.is(
    findBrowser(machine('darwin', [chrome], MAC_TOOLS, { CHROME_PATH: '/nowhere' })),
    undefined,
    'a CHROME_PATH that does not exist is not silently replaced',
  );
  assert.is(findBrowser(machine('darwin', [], MAC_TOOLS)), undefined);
});

test('Linux: Debian’s chromium, Google Chrome, a snap', () => {
  for (const p of ['/usr/bin/chromium', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'])
    assert.is(findBrowser(machine('linux', [p], {})), p);
});

test('what npm test asks for: a fresh macOS has zsh but may lack Chrome and prometheus — one brew line', () => {
  const m = machine('darwin', [], MAC_TOOLS);
  const missing = missingTools(m);
  assert.equal(
    missing.map((t) => t.name),
    ['a Chromium browser', 'prometheus'],
  );
  assert.is(installCommand(missing, m, false), 'brew install prometheus && brew install --cask google-chrome');
  const full = machine('darwin', ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'], {
    ...MAC_TOOLS,
    prometheus: '/opt/homebrew/bin/prometheus',
  });
  assert.equal(missingTools(full), []);
});

test('what npm test asks for: a fresh Debian with only Node and npm — one apt-get line, sudo unless root', () => {
  const m = machine('linux', [], { bash: '/usr/bin/bash' });
  const missing = missingTools(m);
  assert.equal(
    missing.map((t) => t.apt),
    ['curl', 'zsh', 'chromium', 'prometheus'],
  );
  assert.is(
    installCommand(missing, m, true),
    'apt-get update && apt-get install -y --no-install-recommends curl zsh chromium prometheus',
  );
  assert.is(
    installCommand(missing, m, false),
    'sudo apt-get update && sudo apt-get install -y --no-install-recommends curl zsh chromium prometheus',
  );
});

test('npm test asks only for what the chosen suites drive', () => {
  const bare = machine('linux', [], {});
  assert.equal(missingTools(bare, ['test/decide.test.ts', 'test/readers.test.ts']), []);
  assert.equal(
    missingTools(bare, ['test/dashboard.test.ts']).map((t) => t.apt),
    ['chromium'],
  );
  assert.equal(
    missingTools(bare, ['day-two']).map((t) => t.apt),
    ['curl', 'bash', 'zsh'],
  );
  assert.equal(
    missingTools(bare, ['test/prometheus.test.ts', 'test/tasks.test.ts']).map((t) => t.apt),
    ['bash', 'zsh', 'prometheus'],
  );
});

test('lsof -Fpcn output, as macOS prints it: the listening process and its addresses', () => {
  // Recorded from `lsof -nP -iTCP:8082 -sTCP:LISTEN -Fpcn` on macOS 15 with the proxy running.
  const mac = 'p4242\ncnode\nf23\nn127.0.0.1:8082\n';
  assert.equal(parseLsof(mac), [{ pid: 4242, command: 'node', addresses: ['127.0.0.1'] }]);
  // A server on every interface, IPv4 and IPv6, and a second process.
  const wide = 'p501\ncPython\nf4\nn*:8082\nf5\nn[::1]:8082\np777\ncnode\nf9\nn127.0.0.1:8082\n';
  assert.equal(parseLsof(wide), [
    { pid: 501, command: 'Python', addresses: ['*', '[::1]'] },
    { pid: 777, command: 'node', addresses: ['127.0.0.1'] },
  ]);
  assert.equal(parseLsof(''), []);
});

test('the bundle goes to ~/Downloads by default on every platform (and BUNDLE_DIR elsewhere)', () => {
  const c = parseConfig({}, '/repo');
  assert.ok(c.bundleDir.endsWith(join('Downloads')), c.bundleDir);
  assert.is(parseConfig({ BUNDLE_DIR: '/tmp/review' }, '/repo').bundleDir, '/tmp/review');
});

test.run();

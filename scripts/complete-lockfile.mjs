// Adds rollup's other-platform binaries to package-lock.json as optional, platform-tagged
// entries. The registry mirror this project is built against serves only this platform's
// binaries, so `npm install` leaves them out, and `npm ci` then refuses the lock file as
// incomplete. Run after changing dev dependencies: `npm install && node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const rollup = lock.packages['node_modules/rollup'];
const cpuOf = { 'arm-eabi': 'arm', arm64: 'arm64', x64: 'x64', arm: 'arm', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', ia32: 'ia32' };
let added = 0;
for (const [name, version] of Object.entries(rollup.optionalDependencies)) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const m = /^@rollup\/rollup-([a-z0-9]+)-([a-z0-9]+)(?:-(gnueabihf|musleabihf|gnu|musl|msvc|eabi))?$/.exec(name);
  if (!m) throw new Error(name);
  const [, os, arch, abi] = m;
  const entry = { version, cpu: [cpuOf[arch] ?? arch], dev: true, license: 'MIT', optional: true, os: [os === 'win32' ? 'win32' : os] };
  if (abi === 'musl' || abi === 'musleabihf') entry.libc = ['musl'];
  if (abi === 'gnu' || abi === 'gnueabihf') entry.libc = ['glibc'];
  lock.packages[key] = entry;
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log('added', added);

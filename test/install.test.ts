// A quiet install (issue 13): every locked package supports the Node.js versions the package declares
// (no EBADENGINE), every dependency install script is either allowed or denied in `allowScripts`
// (npm ≥ 11.16 then runs none unasked and prints no install-scripts notice; onnxruntime-node's CUDA
// download is denied), and npm reads this project's configuration without a warning (no unknown
// keys in .npmrc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
}
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string; npm: string }; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as { packages: Record<string, LockEntry> };
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

test('every locked package supports the oldest Node.js the package declares, and the one running', () => {
  const floor = semver.minVersion(pkg.engines.node)!.version;
  assert.ok(semver.satisfies(process.versions.node, pkg.engines.node), `this Node.js ${process.versions.node} is outside ${pkg.engines.node}`);
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!path || !range) continue;
    // Optional platform packages for other systems are never installed here.
    if (entry.optional && (entry.os || entry.cpu) && !(entry.os ?? [process.platform]).includes(process.platform)) continue;
    for (const version of [floor, process.versions.node]) {
      if (!semver.satisfies(version, range)) refused.push(`${nameOf(path)}@${entry.version} wants node ${range}, not ${version}`);
    }
  }
  assert.deepEqual(refused, [], `pin versions that support ${pkg.engines.node} (package.json "overrides"), or declare what is needed`);
});

test('every dependency install script is allowed or denied in allowScripts (onnxruntime-node’s CUDA download denied)', () => {
  const policy = pkg.allowScripts ?? {};
  const covered = (name: string, version?: string) => name in policy || `${name}@${version}` in policy;
  const uncovered = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
    .map(([path, entry]) => [nameOf(path), entry.version] as const)
    .filter(([name, version]) => !covered(name, version))
    .map(([name, version]) => `${name}@${version}`);
  assert.deepEqual(uncovered, [], 'npm would print its install-scripts notice for these');
  assert.equal(policy['onnxruntime-node'], false);
  assert.ok(semver.satisfies('11.16.0', pkg.engines.npm) && !semver.satisfies('11.15.0', pkg.engines.npm), 'npm 11.16 is the first to honour allowScripts denials');
});

test('npm reads the project’s configuration without a warning', { timeout: 120_000 }, async () => {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile('npm', ['exec', '--offline', '-c', 'node -e "process.stdout.write(String(1 + 1))"'], { cwd: root }, (error, out, err) => (error ? reject(error) : resolve({ stdout: out, stderr: err }))),
  );
  assert.equal(stdout, '2');
  assert.doesNotMatch(stderr, /npm warn/i, stderr);
  assert.doesNotMatch(readFileSync(`${root}.npmrc`, 'utf8'), /onnxruntime-node-install/);
});

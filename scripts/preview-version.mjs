// Dry run of `changeset version`: copies the workspace's manifests and .changeset/ into a temporary
// directory, runs `changeset version` there and prints the versions and CHANGELOG.md files it
// would produce, leaving this checkout untouched (a real run consumes the changeset files).
// Usage: node scripts/preview-version.mjs [--keep]   (--keep leaves the temporary copy and says where)
// Exits 1 when changeset version fails or a package that has changesets gets no CHANGELOG.md.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const copy = mkdtempSync(join(tmpdir(), 'tessera-version-preview-'));

// The workspace globs from the root manifest ("packages/*", "examples/*", "bench").
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const workspaceDirectories = rootManifest.workspaces.flatMap((pattern) => {
  if (!pattern.endsWith('/*')) return [pattern];
  const parent = pattern.slice(0, -2);
  return readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(parent, entry.name));
});
const copyFile = (relativePath) => {
  mkdirSync(dirname(join(copy, relativePath)), { recursive: true });
  cpSync(join(root, relativePath), join(copy, relativePath));
};
copyFile('package.json');
cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
const workspaces = [];
for (const directory of workspaceDirectories) {
  if (!existsSync(join(root, directory, 'package.json'))) continue;
  copyFile(join(directory, 'package.json'));
  if (existsSync(join(root, directory, 'CHANGELOG.md'))) copyFile(join(directory, 'CHANGELOG.md'));
  workspaces.push(directory);
}
symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
// changesets reads the base branch through git; a fresh repository is enough for `version`.
await run('git', ['init', '-q', '-b', 'main'], { cwd: copy });

const pending = readdirSync(join(copy, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md');
try {
  await run(join(root, 'node_modules/.bin/changeset'), ['version'], { cwd: copy, maxBuffer: 16 * 1024 * 1024 });
} catch (error) {
  console.error(`changeset version failed:\n${error.stderr || error.message}`);
  process.exit(1);
}

const rows = [];
let missing = 0;
for (const directory of workspaces) {
  const before = JSON.parse(readFileSync(join(root, directory, 'package.json'), 'utf8'));
  const after = JSON.parse(readFileSync(join(copy, directory, 'package.json'), 'utf8'));
  const changelog = join(copy, directory, 'CHANGELOG.md');
  const bumped = before.version !== after.version;
  const hasChangelog = existsSync(changelog);
  if (bumped && !before.private && !hasChangelog) missing++;
  if (!bumped && !hasChangelog) continue;
  const entries = hasChangelog
    ? readFileSync(changelog, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('- '))
    : [];
  rows.push({
    name: after.name,
    from: before.version,
    to: after.version,
    entries: entries.length,
    private: !!after.private,
  });
}
const remaining = readdirSync(join(copy, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md');
console.log(`changeset version consumed ${pending.length - remaining.length} of ${pending.length} changesets.\n`);
console.log('| package | version | CHANGELOG entries |');
console.log('|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.name}${row.private ? ' (private)' : ''} | ${row.from} → ${row.to} | ${row.entries} |`);
}
if (keep) console.log(`\nThe versioned copy is in ${copy}`);
else rmSync(copy, { recursive: true, force: true });
if (missing > 0 || remaining.length > 0) {
  console.error(`\n${missing} bumped packages lack a CHANGELOG.md; ${remaining.length} changesets were not consumed.`);
  process.exit(1);
}

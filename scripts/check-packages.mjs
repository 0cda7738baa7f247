// Release readiness: lint every publishable package under packages/* with publint (package.json
// fields against the files npm would publish) and @arethetypeswrong/cli (types resolve for ESM
// and CommonJS consumers under Node 16+ resolution), and print one table.
// Builds nothing itself: run `npm run build` first (the check reads each package's dist/).
// Usage: node scripts/check-packages.mjs [--json results.json] [package-name ...]
// Exits 1 when any package has a publint error/warning or an attw problem.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argumentsAfter = process.argv.slice(2);
const jsonIndex = argumentsAfter.indexOf('--json');
const jsonPath = jsonIndex >= 0 ? argumentsAfter.splice(jsonIndex, 2)[1] : undefined;
const only = new Set(argumentsAfter);

/** Every non-private package under packages/*, found by listing, so new packages are picked up. */
export function publishablePackages() {
  const directory = join(root, 'packages');
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(directory, entry.name, 'package.json')))
    .map((entry) => {
      const packageDirectory = join(directory, entry.name);
      const manifest = JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8'));
      return { name: manifest.name, directory: packageDirectory, manifest };
    })
    .filter((item) => !item.manifest.private)
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function checkPublint({ directory }) {
  const packageJson = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  const { messages } = await publint({ pkgDir: directory, level: 'suggestion', pack: 'npm' });
  return messages.map((message) => ({
    type: message.type,
    code: message.code,
    text: formatMessage(message, packageJson, { color: false }) ?? message.code,
  }));
}

async function checkTypes({ directory }) {
  // node16 profile: the packages ship ESM + CJS through `exports`; node10 (the "strict" extra) is
  // the pre-exports resolution, which TypeScript users of Node 20 no longer use.
  const attw = join(root, 'node_modules/.bin/attw');
  try {
    const { stdout } = await run(attw, ['--pack', directory, '--profile', 'node16', '--format', 'json'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    return parseAttw(stdout);
  } catch (error) {
    // attw exits 1 when it finds problems; the JSON report is still on stdout.
    if (error.stdout?.trim().startsWith('{')) return parseAttw(error.stdout);
    return [
      {
        kind: 'attw-failed',
        text: String(error.stderr || error.message)
          .trim()
          .split('\n')[0],
      },
    ];
  }
}

function parseAttw(stdout) {
  const report = JSON.parse(stdout);
  // The top-level `problems` groups by kind the problems the chosen profile counts;
  // analysis.problems lists every resolution's problems, node10's included.
  const listed = report.problems ?? report.analysis?.problems ?? [];
  const problems = Array.isArray(listed) ? listed : Object.values(listed).flat();
  return problems.map((problem) => ({
    kind: problem.kind,
    text: `${problem.kind}${problem.entrypoint ? ` at ${problem.entrypoint}` : ''}${problem.resolutionKind ? ` (${problem.resolutionKind})` : ''}`,
  }));
}

const packages = publishablePackages().filter((item) => only.size === 0 || only.has(item.name));
const missingBuild = packages.filter((item) => !existsSync(join(item.directory, 'dist')));
if (missingBuild.length > 0) {
  console.error(
    `No dist/ in ${missingBuild.map((item) => item.name).join(', ')}: run \`npm run build\` first (this script builds nothing).`,
  );
  process.exit(2);
}

const results = [];
for (const item of packages) {
  process.stderr.write(`checking ${item.name}…\n`);
  const [lint, types] = await Promise.all([checkPublint(item), checkTypes(item)]);
  results.push({ name: item.name, directory: relative(root, item.directory), publint: lint, attw: types });
}

const count = (messages, type) => messages.filter((message) => message.type === type).length;
const rows = results.map((result) => ({
  package: result.name,
  'publint errors': count(result.publint, 'error'),
  'publint warnings': count(result.publint, 'warning'),
  'publint suggestions': count(result.publint, 'suggestion'),
  'attw problems (node16)': result.attw.length,
  ok: count(result.publint, 'error') + count(result.publint, 'warning') + result.attw.length === 0 ? 'yes' : 'NO',
}));
const columns = Object.keys(rows[0] ?? { package: '' });
const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column]).length)));
const line = (cells) => `| ${cells.map((cell, index) => String(cell).padEnd(widths[index])).join(' | ')} |`;
console.log(line(columns));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const row of rows) console.log(line(columns.map((column) => row[column])));
for (const result of results) {
  for (const message of result.publint) console.log(`${result.name}: publint ${message.type}: ${message.text}`);
  for (const problem of result.attw) console.log(`${result.name}: attw: ${problem.text}`);
}
if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
const failed = rows.filter((row) => row.ok !== 'yes');
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${rows.length} packages need packaging fixes.`);
  process.exit(1);
}
console.log(`\nAll ${rows.length} packages pass publint and attw (node16).`);

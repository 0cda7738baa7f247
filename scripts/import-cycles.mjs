// Import cycles inside each package's src/ (relative imports and re-exports: static, type-only and
// dynamic; tests included, since a test importing in a circle is still a circle).
// Usage: node scripts/import-cycles.mjs [package-directory ...]   (default: every packages/*)
// Exits 1 and prints each cycle when there is one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every `.ts` file under `directory`. */
export function sourceFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of `file`, as absolute `.ts` paths. */
export function localImports(file) {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)];
  return specifiers.map((match) => resolve(dirname(file), match[1].replace(/\.js$/, '.ts')));
}

/** The cycles of a graph (file → files it imports), each as the files around it, first repeated at the end. */
export function findCycles(graph) {
  const cycles = [];
  const state = new Map();
  const path = [];
  const visit = (file) => {
    state.set(file, 'visiting');
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 'visiting') cycles.push([...path.slice(path.indexOf(target)), target]);
      else if (state.get(target) === undefined && graph.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

/** The cycles among one source directory's files, as paths relative to it. */
export function importCycles(sourceDirectory) {
  const graph = new Map(sourceFiles(sourceDirectory).map((file) => [file, localImports(file)]));
  return findCycles(graph).map((cycle) => cycle.map((file) => relative(sourceDirectory, file)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const given = process.argv.slice(2);
  const packages =
    given.length > 0 ? given : readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
  let found = 0;
  for (const directory of packages) {
    const source = join(directory, 'src');
    if (!existsSync(source)) continue;
    for (const cycle of importCycles(source)) {
      found++;
      console.log(`${relative(root, directory)}: ${cycle.join(' -> ')}`);
    }
  }
  console.log(found === 0 ? `no import cycles in ${packages.length} packages` : `${found} import cycles`);
  if (found > 0) process.exit(1);
}

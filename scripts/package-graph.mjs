// The @tessera package dependency graph, read from the package.json files: who depends on whom at
// run time (dependencies, peerDependencies) and for tests only (devDependencies), and whether the
// dependency rule of ARCHITECTURE.md holds (spec depends on no @tessera package; backends on spec,
// never on core; core on spec and only its embedded default backend).
// Usage: node scripts/package-graph.mjs [--ref <git-ref>] [--mermaid] [--check]
//   --ref    read the package.json files at a commit instead of the working tree (before/after)
//   --mermaid print a Mermaid flowchart instead of the text listing
//   --check  exit 1 when a rule is broken
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argumentsAfter = process.argv.slice(2);
const option = (name) => {
  const index = argumentsAfter.indexOf(`--${name}`);
  return index >= 0 ? argumentsAfter[index + 1] : undefined;
};
const ref = option('ref');

/** package.json texts under packages/*, from the working tree or from a commit. */
function manifests() {
  if (ref === undefined) {
    const directory = join(root, 'packages');
    return readdirSync(directory)
      .map((name) => join(directory, name, 'package.json'))
      .filter((path) => existsSync(path))
      .map((path) => JSON.parse(readFileSync(path, 'utf8')));
  }
  const listing = execFileSync('git', ['-C', root, 'ls-tree', '--name-only', `${ref}:packages`], { encoding: 'utf8' });
  return listing
    .split('\n')
    .filter(Boolean)
    .flatMap((name) => {
      try {
        return [
          JSON.parse(
            execFileSync('git', ['-C', root, 'show', `${ref}:packages/${name}/package.json`], { encoding: 'utf8' }),
          ),
        ];
      } catch {
        return [];
      }
    });
}

export function packageGraph(packages = manifests()) {
  const ours = (record = {}) =>
    Object.keys(record)
      .filter((name) => name.startsWith('@tessera/'))
      .sort();
  return packages
    .map((manifest) => ({
      name: manifest.name,
      runtime: [...new Set([...ours(manifest.dependencies), ...ours(manifest.peerDependencies)])].sort(),
      development: ours(manifest.devDependencies),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The dependency rule, as broken-rule messages (empty when it holds). */
export function ruleViolations(graph) {
  const problems = [];
  const byName = new Map(graph.map((node) => [node.name, node]));
  const isBackend = (name) => name.startsWith('@tessera/backend-');
  for (const node of graph) {
    if (node.name === '@tessera/spec' && node.runtime.length > 0) {
      problems.push(`@tessera/spec must depend on no @tessera package, depends on ${node.runtime.join(', ')}`);
    }
    if (isBackend(node.name)) {
      for (const dependency of node.runtime) {
        if (dependency !== '@tessera/spec')
          problems.push(`${node.name} may depend on @tessera/spec only, depends on ${dependency}`);
      }
      if (!node.runtime.includes('@tessera/spec')) problems.push(`${node.name} does not implement @tessera/spec`);
    }
    if (node.name === '@tessera/core') {
      for (const dependency of node.runtime) {
        if (dependency !== '@tessera/spec' && dependency !== '@tessera/backend-wasm') {
          problems.push(
            `@tessera/core may depend on spec and its embedded default backend only, depends on ${dependency}`,
          );
        }
      }
    }
  }
  // A cycle over run-time dependencies would make builds and installs order-dependent.
  const visiting = new Set();
  const done = new Set();
  const visit = (name, path) => {
    if (done.has(name)) return;
    if (visiting.has(name)) {
      problems.push(`dependency cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
      return;
    }
    visiting.add(name);
    for (const dependency of byName.get(name)?.runtime ?? []) visit(dependency, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const node of graph) visit(node.name, []);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = packageGraph();
  const short = (name) => name.replace('@tessera/', '');
  if (argumentsAfter.includes('--mermaid')) {
    console.log('flowchart BT');
    for (const node of graph) {
      for (const dependency of node.runtime) console.log(`  ${short(node.name)} --> ${short(dependency)}`);
      for (const dependency of node.development) console.log(`  ${short(node.name)} -.->|tests| ${short(dependency)}`);
    }
  } else {
    console.log(`@tessera packages${ref === undefined ? '' : ` at ${ref}`} (run time; tests only in brackets):`);
    const width = Math.max(...graph.map((node) => short(node.name).length));
    for (const node of graph) {
      const tests = node.development.length === 0 ? '' : `  [${node.development.map(short).join(', ')}]`;
      console.log(`  ${short(node.name).padEnd(width)} -> ${node.runtime.map(short).join(', ') || '(none)'}${tests}`);
    }
  }
  const problems = ruleViolations(graph);
  for (const problem of problems) console.log(`rule broken: ${problem}`);
  if (argumentsAfter.includes('--check') && problems.length > 0) process.exit(1);
}

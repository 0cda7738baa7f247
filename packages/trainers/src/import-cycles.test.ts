import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceRoot = dirname(fileURLToPath(import.meta.url));

/** Every `.ts` file under src, tests included (a test importing in a circle is still a circle). */
function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of `file` (static, type-only and dynamic), as absolute `.ts` paths. */
function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)];
  return specifiers.map((match) => resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')));
}

/** The cycles of a graph (file → files it imports), each as the files around it, first repeated at the end. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
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

describe('the trainers source', () => {
  it('has no import cycles (callbacks see a TrainerHandle, not the Trainer class)', () => {
    const files = sourceFiles(sourceRoot);
    expect(files.length).toBeGreaterThan(20);
    const graph = new Map(files.map((file) => [file, localImports(file)]));
    const cycles = findCycles(graph).map((cycle) => cycle.map((file) => relative(sourceRoot, file)).join(' → '));
    expect(cycles).toEqual([]);
    expect(localImports(join(sourceRoot, 'callback.ts')).map((file) => relative(sourceRoot, file))).not.toContain(
      'trainer.ts',
    );
  });

  it('the cycle finder reports a cycle through three files and none in a chain', () => {
    const cycle = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(cycle)).toEqual([['a', 'b', 'c', 'a']]);
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([]);
  });
});

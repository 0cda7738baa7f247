import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// The repository's one cycle finder (also run over every package by CI: node scripts/import-cycles.mjs).
import { findCycles, localImports, sourceFiles } from '../../../scripts/import-cycles.mjs';

const sourceRoot = dirname(fileURLToPath(import.meta.url));

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

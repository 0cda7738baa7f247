import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as browser from './browser.js';
import * as node from './index.js';

/**
 * The browser entry (package.json `exports` → `browser`) must reach no Node built-in, may only
 * use what @tessera/core's browser entry exports, and re-exports the Node entry's very bindings.
 */

const sourceRoot = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(sourceRoot, '..');
const nodeExports = new Map<string, unknown>(Object.entries(node));
const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Bare specifiers reached from `entry` through static imports and re-exports (`import type` erases). */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)(?!\s+type\s)(?:[^'";]*?\bfrom\s*|\s*)['"]([^'"]+)['"]/gm)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else bare.add(specifier);
    }
  }
  return bare;
}

describe('the browser entry of @tessera/transformer', () => {
  it('reaches no Node built-in through its static imports', () => {
    // @huggingface/jinja renders chat templates; it is browser-safe (transformers.js uses it there).
    expect([...bareImports(join(sourceRoot, 'browser.ts'))].sort()).toEqual([
      '@huggingface/jinja',
      '@tessera/core',
      '@tessera/core/backend',
    ]);
    // The walk does see built-ins where they are: the Node entry reads tokenizer files.
    expect([...bareImports(join(sourceRoot, 'index.ts'))].filter((name) => nodeBuiltins.has(name))).toContain(
      'node:fs/promises',
    );
  });

  it('exports the Node entry bindings it keeps, and leaves out what reads or writes files', () => {
    for (const [name, value] of Object.entries(browser)) {
      expect(nodeExports.get(name), name).toBe(value);
    }
    for (const name of ['exportGpt', 'loadPretrained', 'readWordPieceVocabulary']) {
      expect(name in browser, `${name} needs Node and must stay out of the browser entry`).toBe(false);
    }
    // ByteLevelBPETokenizer is portable: only its fromFiles / save touch files, importing node:fs on first use.
    for (const name of [
      'GPT',
      'generate',
      'loadTransformerExport',
      'CharacterTokenizer',
      'BertTokenizer',
      'ByteLevelBPETokenizer',
      'trainByteLevelBPE',
    ]) {
      expect(name in browser, name).toBe(true);
    }
  });

  it("imports from @tessera/core only names its browser builds' exports (built files)", async () => {
    const built = join(packageRoot, 'dist/browser.js');
    const coreRoot = dirname(createRequire(import.meta.url).resolve('@tessera/core/package.json'));
    // Each specifier's `browser` build: the entry and the fused kernels' subpath (attention uses one).
    const coreBuilds = { '@tessera/core': 'dist/browser.js', '@tessera/core/backend': 'dist/backend-browser.js' };
    const source = readFileSync(built, 'utf8');
    expect(existsSync(built), 'build both packages first (turbo does)').toBe(true);
    for (const [specifier, file] of Object.entries(coreBuilds)) {
      const coreBrowser = join(coreRoot, file);
      expect(existsSync(coreBrowser), 'build both packages first (turbo does)').toBe(true);
      const pattern = new RegExp(`^import\\s*\\{([^}]*)\\}\\s*from\\s*['"]${specifier.replace('/', '\\/')}['"]`, 'gm');
      const imported = [...source.matchAll(pattern)].flatMap((match) =>
        (match[1] as string).split(',').map((part) => part.trim().split(/\s+as\s+/)[0] as string),
      );
      expect(imported).toContain(
        specifier === '@tessera/core' ? 'readExportDirectory' : 'fusedScaledDotProductAttention',
      );
      const core = await import(pathToFileURL(coreBrowser).href);
      expect(imported.filter((name) => name !== '' && !(name in core))).toEqual([]);
    }
    // No other package is imported by the built browser file (but the chat templates' Jinja engine).
    const externals = [...source.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]);
    expect(new Set(externals)).toEqual(new Set([...Object.keys(coreBuilds), '@huggingface/jinja']));
  });
});

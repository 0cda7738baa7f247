import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as browser from './browser.js';
import * as node from './index.js';

/**
 * The browser entry (package.json `exports` → `browser`) must reach no Node built-in, and each of
 * its exports must be the very binding the Node entry exports, so code behaves the same in both.
 */

const sourceRoot = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(sourceRoot, '..');
const nodeExports = new Map<string, unknown>(Object.entries(node));
const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Every source file the entry reaches through static imports and re-exports, with its bare imports. */
function staticImportGraph(entry: string): { files: Set<string>; bareImports: Map<string, string[]> } {
  const files = new Set<string>();
  const bareImports = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // `import … from '…'`, `export … from '…'` and bare `import '…'`; `import type` erases at build.
    for (const match of source.matchAll(/^(?:import|export)(?!\s+type\s)(?:[^'";]*?\bfrom\s*|\s*)['"]([^'"]+)['"]/gm)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else bareImports.set(specifier, [...(bareImports.get(specifier) ?? []), file]);
    }
  }
  return { files, bareImports };
}

describe('the browser entry of @tessera/core', () => {
  it('reaches no Node built-in through its static imports', () => {
    const { files, bareImports } = staticImportGraph(join(sourceRoot, 'browser.ts'));
    expect(files.size).toBeGreaterThan(40);
    const builtins = [...bareImports].filter(([specifier]) => nodeBuiltins.has(specifier));
    expect(builtins).toEqual([]);
    expect([...bareImports.keys()].sort()).toEqual([
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tessera/backend-wasm',
      '@tessera/spec',
    ]);
    // The graph walk itself finds built-ins: the Node entry reaches several.
    const fromIndex = staticImportGraph(join(sourceRoot, 'index.ts')).bareImports;
    expect([...fromIndex.keys()].filter((specifier) => nodeBuiltins.has(specifier))).toContain('node:fs/promises');
  });

  it('exports the same bindings as the Node entry, plus the browser backend initializer', () => {
    const browserOnly = ['activeBrowserBackend', 'initBrowserBackend', 'WASM_BINARY_NAMES'];
    for (const [name, value] of Object.entries(browser)) {
      if (browserOnly.includes(name)) continue;
      expect(nodeExports.has(name), `${name} is not in the Node entry`).toBe(true);
      expect(nodeExports.get(name), name).toBe(value);
    }
    for (const name of ['initBackend', 'saveSafetensors', 'loadSafetensors', 'writeExportDirectory', 'readCsv']) {
      expect(name in browser, `${name} needs Node and must stay out of the browser entry`).toBe(false);
    }
    for (const name of [
      'readExportDirectory',
      'urlExportSource',
      'deserializeInt8Safetensors',
      'Module',
      'GRU',
      'parseCsv',
    ]) {
      expect(name in browser, name).toBe(true);
    }
  });

  it('is what package.json sends bundlers to, ahead of the Node entries', () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
    const root = manifest.exports['.'];
    expect(Object.keys(root)[0]).toBe('browser');
    expect(root.browser).toEqual({ types: './dist/browser.d.ts', default: './dist/browser.js' });
    if (existsSync(join(packageRoot, 'dist/browser.js'))) {
      // The built file: only tfjs and Tessera packages stay external (the gradient registrations are bundled).
      const built = readFileSync(join(packageRoot, 'dist/browser.js'), 'utf8');
      const externals = [...built.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]);
      expect(new Set(externals)).toEqual(
        new Set(['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tessera/backend-wasm', '@tessera/spec']),
      );
    }
  });
});

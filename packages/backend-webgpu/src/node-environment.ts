/**
 * Node's built-in modules, reached through `process.getBuiltinModule` (Node ≥ 20.16) rather than
 * imported, so that a page's bundler never sees `node:fs` in this package.
 */
type NodeFileSystem = typeof import('node:fs');
type NodeOs = typeof import('node:os');
type NodePath = typeof import('node:path');

/** True in Node (and in runtimes that present themselves as Node, such as Bun and Deno's compat). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

export interface NodeModules {
  fs: NodeFileSystem;
  os: NodeOs;
  path: NodePath;
}

export function nodeModules(): NodeModules {
  return {
    fs: process.getBuiltinModule('node:fs'),
    os: process.getBuiltinModule('node:os'),
    path: process.getBuiltinModule('node:path'),
  };
}

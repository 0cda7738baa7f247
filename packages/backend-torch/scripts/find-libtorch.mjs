// Finds a LibTorch installation for the native addon, in order: the LIBTORCH environment variable
// (a directory with include/ and lib/), a Python `torch` installation that ships its headers and
// libraries, then the system install (Debian/Ubuntu `libtorch-dev`).
// Usage from binding.gyp: node scripts/find-libtorch.mjs include|libraries|defines|lib-dir
// Usage from code: import { findLibTorch } from './find-libtorch.mjs'.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A header directory and a library directory are what the addon needs from LibTorch. */
function layout(root, source) {
  const includeDirectory = join(root, 'include');
  const libraryDirectory = join(root, 'lib');
  if (!existsSync(join(includeDirectory, 'ATen', 'ATen.h'))) return undefined;
  if (
    !existsSync(join(libraryDirectory, 'libtorch_cpu.so')) &&
    !existsSync(join(libraryDirectory, 'libtorch_cpu.dylib'))
  )
    return undefined;
  return { source, includeDirectories: [includeDirectory], libraryDirectory };
}

function fromEnvironment() {
  const root = process.env.LIBTORCH;
  if (root === undefined || root === '') return undefined;
  const found = layout(root, `LIBTORCH=${root}`);
  if (found === undefined) {
    return {
      error: `LIBTORCH=${root} has no include/ATen/ATen.h and lib/libtorch_cpu.so; point it at an unpacked LibTorch`,
    };
  }
  return found;
}

function fromPython() {
  for (const python of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      const output = execFileSync(
        python,
        ['-c', 'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 },
      );
      const [directory, abi] = output.trim().split('\n');
      const found = layout(directory, `Python torch at ${directory}`);
      if (found !== undefined) return { ...found, cxx11Abi: abi === '1' };
    } catch {
      // No such interpreter, or no torch in it: try the next.
    }
  }
  return undefined;
}

function fromSystem() {
  const candidates = [
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  for (const prefix of ['/usr', '/usr/local']) {
    if (!existsSync(join(prefix, 'include', 'ATen', 'ATen.h'))) continue;
    for (const libraryDirectory of candidates) {
      if (existsSync(join(libraryDirectory, 'libtorch_cpu.so'))) {
        return {
          source: `system install (${prefix}/include, ${libraryDirectory})`,
          includeDirectories: [join(prefix, 'include')],
          libraryDirectory,
        };
      }
    }
  }
  return undefined;
}

/** Whether libc10 was built with the C++11 string ABI (pip wheels before 2.x were not). */
function detectCxx11Abi(libraryDirectory) {
  try {
    return readFileSync(join(libraryDirectory, 'libc10.so')).includes('St7__cxx11');
  } catch {
    return true;
  }
}

/**
 * Returns `{ source, includeDirectories, libraryDirectory, cxx11Abi, hasCuda }`, or
 * `{ error }` with one line saying what was looked for.
 */
export function findLibTorch() {
  const found = fromEnvironment() ?? fromPython() ?? fromSystem();
  if (found === undefined) {
    return {
      error:
        'LibTorch not found (looked at $LIBTORCH, a Python torch installation with include/ and lib/, and the system libtorch-dev)',
    };
  }
  if ('error' in found) return found;
  const apiInclude = join(found.includeDirectories[0], 'torch', 'csrc', 'api', 'include');
  if (existsSync(apiInclude)) found.includeDirectories.push(apiInclude);
  return {
    ...found,
    cxx11Abi: found.cxx11Abi ?? detectCxx11Abi(found.libraryDirectory),
    hasCuda: existsSync(join(found.libraryDirectory, 'libtorch_cuda.so')),
  };
}

// Command-line use from binding.gyp: print what gyp asks for, space-separated.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const found = findLibTorch();
  const what = process.argv[2];
  if ('error' in found) {
    if (what === undefined) console.log(found.error);
    process.exit(what === undefined ? 1 : 0);
  }
  if (what === 'include') console.log(found.includeDirectories.join(' '));
  else if (what === 'lib-dir') console.log(found.libraryDirectory);
  else if (what === 'libraries') {
    const libraries = ['-ltorch', '-ltorch_cpu', '-lc10'];
    if (found.hasCuda) libraries.push('-ltorch_cuda', '-lc10_cuda');
    console.log(libraries.join(' '));
  } else if (what === 'defines')
    console.log(`_GLIBCXX_USE_CXX11_ABI=${found.cxx11Abi ? 1 : 0}${found.hasCuda ? ' TESSERA_TORCH_CUDA=1' : ''}`);
  else console.log(JSON.stringify(found));
}

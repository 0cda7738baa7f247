import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The functions the Node-API addon (native/torch_addon.cc) exports. */
export interface NativeAddon {
  /**
   * Shares the output metadata buffer, sets the thread count (0 keeps LibTorch's) and installs the
   * caching CPU allocator holding up to `cacheLimitBytes` of freed blocks (0: plain malloc).
   */
  initialize(metadata: Float64Array, threads: number, cacheLimitBytes: number): void;
  cudaAvailable(): boolean;
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  /** OpenBLAS's thread count (kept equal to LibTorch's), or -1 where LibTorch does not use OpenBLAS. */
  getBlasThreads(): number;
  /** Finds `aten::<name>.<overload>` once; returns the handle `call` takes. */
  resolve(name: string, overload: string): number;
  /** The operator's schema, e.g. `aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor`. */
  schema(handle: number): string;
  /** Runs an operator; writes [count, (id, dtypeCode, rank, ...dims)*] to the metadata buffer. */
  call(handle: number, args: unknown[]): number;
  write(values: Float32Array | Int32Array | Uint8Array, shape: number[], dtype: string, device: string): number;
  read(id: number): Float32Array | Int32Array | Uint8Array;
  dispose(id: number): void;
  /** Live tensors and the bytes of their storages; `cachedBytes`: freed blocks kept for reuse. */
  memory(): { tensors: number; bytes: number; cachedBytes: number };
  /** Returns the caching allocator's freed blocks to the system. */
  emptyCache(): void;
  torchVersion: string;
}

/** Dtype codes of the addon's output metadata (`DtypeCode` in torch_addon.cc). */
export const DTYPE_CODES = ['float32', 'int32', 'bool', 'int64', 'float64', 'bfloat16', 'other'] as const;

export type NativeLoadResult = { addon: NativeAddon; path: string } | { addon: undefined; detail: string };

const packageDirectory = (() => {
  // src/ in tests, dist/ once built: the package root is one level up from either.
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..');
})();

export const addonPath = join(packageDirectory, 'build', 'Release', 'tessera_torch.node');

let loaded: NativeLoadResult | undefined;

/** Loads the addon once. Never throws: a missing or broken binary is described in `detail`. */
export function loadNativeAddon(): NativeLoadResult {
  loaded ??= loadNativeAddonFrom(addonPath);
  return loaded;
}

/** Loads an addon binary (uncached). Never throws. */
export function loadNativeAddonFrom(path: string): NativeLoadResult {
  let loaded: NativeLoadResult;
  if (!existsSync(path)) {
    loaded = {
      addon: undefined,
      detail:
        `the native addon was not built (${path} is missing): install LibTorch (apt install libtorch-dev, ` +
        'pip install torch, or set LIBTORCH to an unpacked LibTorch), then run `npm rebuild @tessera/backend-torch` ' +
        '(npm 11 blocks install scripts until you run `npm install-scripts approve @tessera/backend-torch`)',
    };
    return loaded;
  }
  // LibTorch's OpenMP (libgomp) spin-waits between parallel regions by default. When the cores are
  // shared (other processes, a test runner's workers, CI), spinning threads starve the working
  // ones: a 2-thread step measured 35x slower than a 1-thread one on a loaded 2-core machine, and
  // 2 ms instead of 70 ms with passive waiting. libgomp reads this when the addon loads it.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    loaded = { addon, path };
  } catch (error) {
    loaded = {
      addon: undefined,
      detail: `the native addon failed to load: ${(error as Error).message.split('\n')[0]} (LibTorch moved or removed? run \`npm rebuild @tessera/backend-torch\`)`,
    };
  }
  return loaded;
}

import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
// Hard dependencies: importing them registers the `wasm` and `cpu` backends with tfjs.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { TesseraError } from '../errors.js';
import type { BackendAdapter, BackendAvailability, BackendName, DeviceKind } from './backend-adapter.js';

const requireFromHere = createRequire(import.meta.url);

function isResolvable(packageName: string): boolean {
  try {
    requireFromHere.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

async function setActiveBackend(adapter: BackendAdapter): Promise<void> {
  const succeeded = await tf.setBackend(adapter.tfjsBackendName);
  if (!succeeded) {
    throw new TesseraError(
      'E_BACKEND_ACTIVATION',
      `tfjs could not initialise the '${adapter.tfjsBackendName}' backend from ${adapter.packageName}`,
    );
  }
  await tf.ready();
  // tfjs-backend-cpu prints a banner urging tfjs-node on its first write in Node. Tessera reports
  // the backend choice itself (BackendInfo, `tessera backend`), so the banner is only noise.
  const backend = tf.backend() as { firstUse?: boolean };
  if (backend.firstUse === true) backend.firstUse = false;
}

/**
 * An adapter for a native tfjs backend shipped as an optional peer (tfjs-node, tfjs-node-gpu).
 * Those packages download a native library at install time, so they are never hard dependencies:
 * we resolve them lazily and import them only when asked for or when probing preference order.
 */
function optionalPackageAdapter(spec: {
  name: BackendName;
  device: DeviceKind;
  packageName: string;
  tfjsBackendName: string;
}): BackendAdapter {
  let loaded: Promise<void> | undefined;
  const load = () => {
    // A variable specifier keeps bundlers from trying to resolve the optional package.
    const specifier: string = spec.packageName;
    loaded ??= import(specifier).then(() => undefined);
    return loaded;
  };
  const adapter: BackendAdapter = {
    ...spec,
    async isAvailable(): Promise<BackendAvailability> {
      if (!isResolvable(spec.packageName)) {
        return { available: false, detail: `${spec.packageName} is not installed (npm install ${spec.packageName})` };
      }
      try {
        await load();
      } catch (error) {
        return {
          available: false,
          detail: `${spec.packageName} is installed but failed to load: ${(error as Error).message.split('\n')[0]}`,
        };
      }
      if (tf.findBackendFactory(spec.tfjsBackendName) === null) {
        return {
          available: false,
          detail: `${spec.packageName} loaded but registered no '${spec.tfjsBackendName}' backend`,
        };
      }
      return { available: true, detail: `${spec.packageName} is installed and loads` };
    },
    async activate(): Promise<void> {
      const availability = await adapter.isAvailable();
      if (!availability.available) {
        throw new TesseraError(
          'E_BACKEND_UNAVAILABLE',
          `backend '${spec.name}' is unavailable: ${availability.detail}. Install ${spec.packageName} as a dependency of your app, or choose another backend (wasm, cpu).`,
        );
      }
      await setActiveBackend(adapter);
    },
  };
  return adapter;
}

/** What @tessera/backend-torch exports for the adapter (it registers its backends on import). */
interface TorchBackendModule {
  torchAvailability(device: 'cpu' | 'cuda'): BackendAvailability;
}

/**
 * An adapter for @tessera/backend-torch, an optional peer: a native addon on LibTorch. The
 * package installs even where LibTorch is missing (its native build is then skipped), so being
 * resolvable is not enough: the package itself says whether its addon loaded and why not.
 */
function torchPackageAdapter(spec: { name: 'torch' | 'torch-cuda'; device: DeviceKind }): BackendAdapter {
  const packageName = '@tessera/backend-torch';
  const tfjsBackendName = spec.name;
  let loaded: Promise<TorchBackendModule> | undefined;
  const load = () => {
    // A variable specifier keeps bundlers from trying to resolve the optional package.
    const specifier: string = packageName;
    loaded ??= import(specifier) as Promise<TorchBackendModule>;
    return loaded;
  };
  const adapter: BackendAdapter = {
    ...spec,
    packageName,
    tfjsBackendName,
    async isAvailable(): Promise<BackendAvailability> {
      if (!isResolvable(packageName)) {
        return { available: false, detail: `${packageName} is not installed (npm install ${packageName})` };
      }
      let module: TorchBackendModule;
      try {
        module = await load();
      } catch (error) {
        return {
          available: false,
          detail: `${packageName} is installed but failed to load: ${(error as Error).message.split('\n')[0]}`,
        };
      }
      const availability = module.torchAvailability(spec.device === 'gpu' ? 'cuda' : 'cpu');
      if (availability.available && tf.findBackendFactory(tfjsBackendName) === null) {
        return { available: false, detail: `${packageName} loaded but registered no '${tfjsBackendName}' backend` };
      }
      return availability;
    },
    async activate(): Promise<void> {
      const availability = await adapter.isAvailable();
      if (!availability.available) {
        throw new TesseraError(
          'E_BACKEND_UNAVAILABLE',
          `backend '${spec.name}' is unavailable: ${availability.detail}. Or choose another backend (wasm, cpu).`,
        );
      }
      await setActiveBackend(adapter);
    },
  };
  return adapter;
}

/** A backend bundled with @tessera/core: always installed, so always available. */
function bundledAdapter(spec: {
  name: BackendName;
  packageName: string;
  tfjsBackendName: string;
  detail: string;
}): BackendAdapter {
  const adapter: BackendAdapter = {
    name: spec.name,
    device: 'cpu',
    packageName: spec.packageName,
    tfjsBackendName: spec.tfjsBackendName,
    async isAvailable() {
      return { available: true, detail: spec.detail };
    },
    async activate() {
      await setActiveBackend(adapter);
    },
  };
  return adapter;
}

/** The built-in backends, most preferred first. */
export const builtinBackendAdapters: readonly BackendAdapter[] = [
  torchPackageAdapter({ name: 'torch-cuda', device: 'gpu' }),
  optionalPackageAdapter({
    name: 'tensorflow-gpu',
    device: 'gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    tfjsBackendName: 'tensorflow',
  }),
  optionalPackageAdapter({
    name: 'tensorflow',
    device: 'cpu',
    packageName: '@tensorflow/tfjs-node',
    tfjsBackendName: 'tensorflow',
  }),
  torchPackageAdapter({ name: 'torch', device: 'cpu' }),
  bundledAdapter({
    name: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfjsBackendName: 'wasm',
    detail: 'embedded WebAssembly backend, bundled with @tessera/core',
  }),
  bundledAdapter({
    name: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfjsBackendName: 'cpu',
    detail: 'pure JavaScript backend, bundled with @tessera/core (slowest; for reference and debugging)',
  }),
];

import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendActivation,
  type BackendAdapter,
  type BackendAvailability,
  type BackendAvailabilityRequest,
  type BackendPackage,
  TesseraError,
} from '@tessera/spec';
import { BACKEND_SOURCES, type BackendSource } from './backend-sources.js';
import { activateTfjsBackend } from './tfjs-backend-activation.js';

/**
 * A package is looked for where @tessera/core is installed, as Node resolves it from core (npm's and
 * Yarn's node_modules; with pnpm's isolated layout, hoist the backend packages).
 * It is then imported by name, so the app and core share one instance of it.
 */
const requireFromCore = createRequire(import.meta.url);

function isInstalled(packageName: string): boolean {
  try {
    requireFromCore.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

function importPackage(packageName: string): Promise<unknown> {
  // A variable specifier keeps bundlers from trying to resolve optional packages.
  const specifier: string = packageName;
  return import(specifier);
}

/** A loaded package: its adapter (Tessera packages), else the package's own availability. */
type Loaded = { adapter?: BackendAdapter; availability: BackendAvailability };

async function loadSource(source: BackendSource): Promise<Loaded> {
  if (!isInstalled(source.packageName)) {
    return {
      availability: {
        available: false,
        detail: `${source.packageName} is not installed (npm install ${source.packageName})`,
      },
    };
  }
  let module: unknown;
  try {
    module = await importPackage(source.packageName);
  } catch (error) {
    return {
      availability: {
        available: false,
        detail: `${source.packageName} is installed but failed to load: ${(error as Error).message.split('\n')[0]}`,
      },
    };
  }
  if (source.provider === 'tfjs') {
    if (tf.findBackendFactory(source.tfjsBackendName) === null) {
      return {
        availability: {
          available: false,
          detail: `${source.packageName} loaded but registered no '${source.tfjsBackendName}' backend`,
        },
      };
    }
    return { availability: { available: true, detail: `${source.packageName} is installed and loads` } };
  }
  const adapters = (module as Partial<BackendPackage>).backendAdapters;
  const adapter = Array.isArray(adapters) ? adapters.find((candidate) => candidate.name === source.name) : undefined;
  if (adapter === undefined) {
    return {
      availability: {
        available: false,
        detail: `${source.packageName} loaded but provides no '${source.name}' backend adapter (is it an older version?)`,
      },
    };
  }
  return { adapter, availability: { available: true, detail: `${source.packageName} loaded` } };
}

/** The package's failure to load, else its adapter's answer (asked each time: it may depend on the request). */
async function availabilityOf(loaded: Loaded, request?: BackendAvailabilityRequest): Promise<BackendAvailability> {
  if (loaded.adapter === undefined || !loaded.availability.available) return loaded.availability;
  return loaded.adapter.isAvailable(request);
}

/**
 * The adapter core uses for one source: it finds the package on first use and hands over to the
 * package's own adapter (or, for a plain tfjs package, activates the backend it registered).
 */
export function packageBackendAdapter(source: BackendSource): BackendAdapter {
  let loading: Promise<Loaded> | undefined;
  const load = () => {
    loading ??= loadSource(source).then((loaded) => {
      // The contract's optional precision switch: present here once the package is loaded and
      // only when its adapter has it, so `'setPrecision' in adapter` tells callers the same.
      const setPrecision = loaded.adapter?.setPrecision;
      if (setPrecision !== undefined)
        adapter.setPrecision = (precision) => setPrecision.call(loaded.adapter, precision);
      return loaded;
    });
    return loading;
  };
  const adapter: BackendAdapter = {
    name: source.name,
    device: source.device,
    packageName: source.packageName,
    tfjsBackendName: source.tfjsBackendName,
    async isAvailable(request) {
      return availabilityOf(await load(), request);
    },
    async activate(): Promise<BackendActivation> {
      const loaded = await load();
      if (!loaded.availability.available) {
        throw new TesseraError(
          'E_BACKEND_UNAVAILABLE',
          `backend '${source.name}' is unavailable: ${loaded.availability.detail}. Or choose another backend (wasm, cpu).`,
          { category: 'unavailable' },
        );
      }
      if (loaded.adapter !== undefined) return loaded.adapter.activate();
      await activateTfjsBackend(source.tfjsBackendName, source.packageName);
      return { filledKernels: [], overriddenKernels: [] };
    },
  };
  return adapter;
}

/** Every backend Tessera knows, most preferred first, each found through its package. */
export const builtinBackendAdapters: readonly BackendAdapter[] = BACKEND_SOURCES.map(packageBackendAdapter);

import type { BackendName, DeviceKind } from '@tessera/spec';
// The embedded default, installed with core, registers its tfjs backend on import as tfjs backends
// do: code that never calls initBackend runs on wasm, as with tfjs's own packages. Its kernel fills
// and overrides are applied when initBackend activates it.
import '@tessera/backend-wasm';

/**
 * Where each backend comes from, most preferred first. This list is all @tessera/core knows of
 * backends: a package name. A Tessera backend package exports `backendAdapters` (availability,
 * activation and its kernels are the package's business); a plain tfjs backend package registers
 * its backend when imported and needs nothing more.
 */
export interface BackendSource {
  readonly name: BackendName;
  readonly packageName: string;
  /** `tessera`: the package exports `backendAdapters`; `tfjs`: importing it registers the backend. */
  readonly provider: 'tessera' | 'tfjs';
  readonly device: DeviceKind;
  /** The name the backend registers with tfjs. */
  readonly tfjsBackendName: string;
}

export const BACKEND_SOURCES: readonly BackendSource[] = [
  {
    name: 'torch-cuda',
    packageName: '@tessera/backend-torch',
    provider: 'tessera',
    device: 'gpu',
    tfjsBackendName: 'torch-cuda',
  },
  {
    name: 'webgpu',
    packageName: '@tessera/backend-webgpu',
    provider: 'tessera',
    device: 'gpu',
    tfjsBackendName: 'webgpu',
  },
  {
    name: 'tensorflow-gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    provider: 'tfjs',
    device: 'gpu',
    tfjsBackendName: 'tensorflow',
  },
  {
    name: 'tensorflow',
    packageName: '@tensorflow/tfjs-node',
    provider: 'tfjs',
    device: 'cpu',
    tfjsBackendName: 'tensorflow',
  },
  {
    name: 'torch',
    packageName: '@tessera/backend-torch',
    provider: 'tessera',
    device: 'cpu',
    tfjsBackendName: 'torch',
  },
  { name: 'wasm', packageName: '@tessera/backend-wasm', provider: 'tessera', device: 'cpu', tfjsBackendName: 'wasm' },
  { name: 'cpu', packageName: '@tensorflow/tfjs-backend-cpu', provider: 'tfjs', device: 'cpu', tfjsBackendName: 'cpu' },
];

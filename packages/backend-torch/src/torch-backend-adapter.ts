import * as tf from '@tensorflow/tfjs-core';
import { type BackendAdapter, type DeviceKind, TesseraError } from '@tessera/spec';
import { setTorchPrecision } from './precision.js';
import { TORCH_BACKEND_NAME, TORCH_CUDA_BACKEND_NAME, torchAvailability } from './register.js';

/**
 * The adapter for one of this package's backends. The package installs even where LibTorch is
 * missing (its native build is then skipped), so availability is the addon's own word: whether it
 * loaded, which LibTorch it found, and whether that LibTorch sees a GPU.
 */
function torchBackendAdapter(name: 'torch' | 'torch-cuda', device: DeviceKind): BackendAdapter {
  const addonDevice = device === 'gpu' ? 'cuda' : 'cpu';
  const adapter: BackendAdapter = {
    name,
    device,
    packageName: '@tessera/backend-torch',
    tfjsBackendName: name,
    async isAvailable() {
      const availability = torchAvailability(addonDevice);
      if (availability.available && tf.findBackendFactory(name) === null) {
        return { available: false, detail: `@tessera/backend-torch loaded but registered no '${name}' backend` };
      }
      return availability;
    },
    async activate() {
      const availability = await adapter.isAvailable();
      if (!availability.available) {
        throw new TesseraError('E_BACKEND_UNAVAILABLE', `backend '${name}' is unavailable: ${availability.detail}`, {
          category: 'unavailable',
        });
      }
      if (!(await tf.setBackend(name))) {
        throw new TesseraError('E_BACKEND_ACTIVATION', `tfjs could not initialise the '${name}' backend`, {
          category: 'unavailable',
        });
      }
      await tf.ready();
      // Every kernel Tessera needs is native here (src/kernels): nothing to fill or override.
      return { filledKernels: [], overriddenKernels: [] };
    },
    // Both torch backends share one precision (src/precision.ts).
    setPrecision: setTorchPrecision,
  };
  return adapter;
}

/** What @tessera/core looks for in a backend package: its adapters, most preferred first. */
export const backendAdapters: readonly BackendAdapter[] = [
  torchBackendAdapter(TORCH_CUDA_BACKEND_NAME, 'gpu'),
  torchBackendAdapter(TORCH_BACKEND_NAME, 'cpu'),
];

export type { NativeAddon } from './native.js';
export { addonPath } from './native.js';
export { setTorchPrecision, TORCH_PRECISIONS, type TorchPrecision, torchPrecision } from './precision.js';
export {
  CACHE_ENVIRONMENT_VARIABLE,
  emptyTorchCache,
  registerTorchBackends,
  setTorchThreads,
  THREADS_ENVIRONMENT_VARIABLE,
  TORCH_BACKEND_NAME,
  TORCH_CUDA_BACKEND_NAME,
  torchAvailability,
  torchKernelNames,
} from './register.js';
export { type NativeTensor, TorchBackend } from './torch-backend.js';
export { backendAdapters } from './torch-backend-adapter.js';

import { registerTorchBackends } from './register.js';

// Importing the package registers the backends, as importing a tfjs backend package does.
registerTorchBackends();

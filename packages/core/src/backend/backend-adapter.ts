/**
 * The contract between Tessera and a TensorFlow.js backend. Each adapter knows which package
 * provides its backend, whether that package can be loaded here, and how to make it the active
 * tfjs backend. `initBackend` picks one; nothing else in Tessera talks to backends directly.
 */
export type BackendName = 'torch-cuda' | 'tensorflow-gpu' | 'tensorflow' | 'torch' | 'wasm' | 'cpu';

export type DeviceKind = 'cpu' | 'gpu';

export interface BackendAvailability {
  available: boolean;
  /** Why it is or is not available, in words a user can act on. */
  detail: string;
}

export interface BackendAdapter {
  readonly name: BackendName;
  readonly device: DeviceKind;
  /** The npm package that provides the backend. */
  readonly packageName: string;
  /** The name the backend registers with tfjs (`tf.getBackend()` after activation). */
  readonly tfjsBackendName: string;
  /** Resolves whether the backend can be used here. Never throws. */
  isAvailable(): Promise<BackendAvailability>;
  /** Loads the backend and makes it the active tfjs backend. Throws when it cannot. */
  activate(): Promise<void>;
}

export interface BackendCandidate extends BackendAvailability {
  name: BackendName;
}

export interface BackendInfo {
  name: BackendName;
  device: DeviceKind;
  /** The name tfjs knows the backend by. */
  tfjsBackendName: string;
  /** How the backend was chosen: the explicit option, the environment variable, or preference. */
  selectedBy: 'option' | 'environment' | 'preference';
  /** A one-line explanation of the choice. */
  reason: string;
  /** Kernels Tessera registered because the backend lacks them (needed for training). */
  filledKernels: string[];
  /** Native kernels Tessera wrapped to avoid wrong results or slow paths (see kernel-overrides.ts). */
  overriddenKernels: string[];
  /** Every built-in backend in order of preference, with whether it could be used here. */
  candidates: BackendCandidate[];
}

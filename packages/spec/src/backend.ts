/**
 * The contract between Tessera and a TensorFlow.js backend. A backend package (`@tessera/backend-wasm`,
 * `@tessera/backend-torch`, …) exports `backendAdapters`: each adapter knows whether its backend can
 * run here, and how to make it the active tfjs backend with the kernels Tessera needs. `@tessera/core`
 * knows backend packages only by name, in the list it probes; everything else comes from the adapter.
 */

/**
 * Every backend name Tessera knows, most preferred first (the order `initBackend` tries them in).
 * A name joins the list when a package provides it. `webgpu` (`@tessera/backend-webgpu`) is
 * preferred on a hardware adapter only: a software one is never chosen by preference.
 */
export const BACKEND_NAMES = ['torch-cuda', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'torch', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** True for a string that names a Tessera backend. */
export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}

export type DeviceKind = 'cpu' | 'gpu';

/** What the caller of `isAvailable` is asking. */
export interface BackendAvailabilityRequest {
  /**
   * True when the user named this backend (`initBackend({ backend })` or `TESSERA_BACKEND`),
   * false or absent when core probes backends by preference. A backend that works but should
   * never be picked unasked (WebGPU on a software adapter, far slower than the CPU backends)
   * reports itself available only to an explicit request, and says how to make one otherwise.
   */
  explicit?: boolean;
}

export interface BackendAvailability {
  available: boolean;
  /** Why it is or is not available, in words a user can act on. */
  detail: string;
}

/** What activating a backend changed in tfjs's kernel registry, for the backend report. */
export interface BackendActivation {
  /** Kernels registered because the backend lacks them (needed for training). */
  filledKernels: string[];
  /** Native kernels wrapped to avoid wrong results or slow paths. */
  overriddenKernels: string[];
}

export interface BackendAdapter {
  readonly name: BackendName;
  readonly device: DeviceKind;
  /** The npm package that provides the backend. */
  readonly packageName: string;
  /** The name the backend registers with tfjs (`tf.getBackend()` after activation). */
  readonly tfjsBackendName: string;
  /**
   * Resolves whether the backend can be used here (for an explicit request, see
   * {@link BackendAvailabilityRequest}). Never throws.
   */
  isAvailable(request?: BackendAvailabilityRequest): Promise<BackendAvailability>;
  /**
   * Loads the backend, makes it the active tfjs backend (`tf.setBackend` on the tfjs-core instance
   * the caller shares) and fills or corrects the kernels Tessera needs. Throws a `TesseraError`
   * when it cannot.
   */
  activate(): Promise<BackendActivation>;
  /**
   * Present only on backends with 16-bit kernels (the torch backends): sets the precision the
   * backend computes in from the next kernel on. `'fp32'` (every backend's default): float32
   * throughout. `'bf16-mixed'`: matrix products, linear layers, attention and convolutions in
   * bfloat16 with float32 accumulation; softmax, norms, reductions, losses, weights and optimizer
   * state in float32 (PyTorch autocast's rules); every tensor tfjs sees stays float32. Callers
   * (the Trainer's `precision` option) refuse `'bf16-mixed'` on a backend without this method.
   * Returns the precision it replaced, so a scope can put it back.
   */
  setPrecision?(precision: 'fp32' | 'bf16-mixed'): 'fp32' | 'bf16-mixed';
}

/** What a backend package exports for `@tessera/core` to find: its adapters, most preferred first. */
export interface BackendPackage {
  readonly backendAdapters: readonly BackendAdapter[];
}

export interface BackendCandidate extends BackendAvailability {
  name: BackendName;
}

export interface BackendInfo extends BackendActivation {
  name: BackendName;
  device: DeviceKind;
  /** The name tfjs knows the backend by. */
  tfjsBackendName: string;
  /** How the backend was chosen: the explicit option, the environment variable, or preference. */
  selectedBy: 'option' | 'environment' | 'preference';
  /** A one-line explanation of the choice. */
  reason: string;
  /** Every known backend in order of preference, with whether it could be used here. */
  candidates: BackendCandidate[];
}

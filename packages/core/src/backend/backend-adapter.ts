/**
 * The backend contract lives in @tessera/spec; core re-exports its types for users who already
 * import core.
 */
export type {
  BackendActivation,
  BackendAdapter,
  BackendAvailability,
  BackendCandidate,
  BackendInfo,
  BackendName,
  BackendPackage,
  DeviceKind,
} from '@tessera/spec';
export { BACKEND_NAMES, isBackendName } from '@tessera/spec';

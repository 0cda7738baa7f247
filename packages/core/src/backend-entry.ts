/**
 * `@tessera/core/backend`: what backend authors, domain packages and tools need, kept out of the
 * user's API: the backend contract's types and the fused kernels (`backend-portable.ts`, also the
 * subpath's browser build), plus core's adapters, one per known backend, each finding its package
 * by name, and `createBackendInitializer` over any list of adapters (Node).
 */
export type { BackendSource } from './backend/backend-sources.js';
export { BACKEND_SOURCES } from './backend/backend-sources.js';
export type { BackendInitializer } from './backend/init-backend.js';
export { createBackendInitializer } from './backend/init-backend.js';
export { builtinBackendAdapters, packageBackendAdapter } from './backend/package-adapters.js';
export * from './backend-portable.js';

/**
 * The Node entry of @tessera/core: the portable API (`portable.ts`, also the browser entry's) plus
 * backend selection, which probes native packages, and file I/O.
 */

export type { InitBackendOptions } from './backend/init-backend.js';
export { activeBackend, BACKEND_ENVIRONMENT_VARIABLE, initBackend, listBackends } from './backend/init-backend.js';
export { writeFileAtomically, writeTextFileAtomically } from './checkpoint/atomic-write.js';
export { loadSafetensors, readSafetensorsHeader, saveSafetensors } from './checkpoint/safetensors-file.js';
export { readCsv } from './data/csv.js';
export type { DataParallelGroup, LaunchDataParallelOptions } from './distributed/data-parallel.js';
export { joinDataParallel, launchDataParallel } from './distributed/data-parallel.js';
export { SharedMemoryGroup, sharedMemoryGroupBytes } from './distributed/shared-memory-group.js';
export type { WriteExportOptions } from './export/write-export-directory.js';
export { findPackageVersion, writeExportDirectory } from './export/write-export-directory.js';
export * from './portable.js';

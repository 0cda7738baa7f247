import type { Gpu } from './webgpu-types.js';

/** The `webgpu` npm package (Dawn, the WebGPU implementation in Chrome, built for Node). */
export interface DawnModule {
  create(flags: string[]): Gpu;
  /** WebGPU's global constants and classes (`GPUBufferUsage`, `GPUMapMode`, …) tfjs expects. */
  globals: Record<string, unknown>;
}

/** The package name; a variable, so bundlers leave this optional Node-only import alone. */
export const DAWN_PACKAGE = 'webgpu';

let loading: Promise<DawnModule> | undefined;

/** Imports Dawn once. Rejects when the optional `webgpu` package is not installed or does not load. */
export function loadDawn(): Promise<DawnModule> {
  const specifier: string = DAWN_PACKAGE;
  loading ??= import(specifier) as Promise<DawnModule>;
  return loading;
}

/** Defines WebGPU's globals that are not defined yet (a page or another library may have them). */
export function installDawnGlobals(dawn: DawnModule): void {
  const scope = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (scope[name] === undefined) scope[name] = value;
  }
}

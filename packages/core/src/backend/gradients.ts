/**
 * tfjs-core defines gradients for every kernel but registers none on its own; the umbrella
 * `@tensorflow/tfjs` and tfjs-layers do it by importing this module. Its ESM files use
 * extensionless relative imports, which plain Node cannot load, so the build bundles this
 * one module (see tsup.config.ts). The bundled copy registers into tfjs-core's global gradient
 * registry, shared by every copy of tfjs-core in the process — the same route tfjs-layers takes.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';

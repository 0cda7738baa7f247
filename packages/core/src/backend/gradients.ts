/**
 * tfjs-core defines gradients for every kernel but registers none on its own; the umbrella
 * `@tensorflow/tfjs` and tfjs-layers do it by importing this module. Its ESM files use
 * extensionless relative imports, which plain Node cannot load, so the build bundles this
 * one module (see tsup.config.ts). The bundled copy registers into tfjs-core's global gradient
 * registry, shared by every copy of tfjs-core in the process — the same route tfjs-layers takes.
 */
// The real tfjs-core must be evaluated first: its Tensor class then becomes the engine's global
// tensor class, with chained ops attached. Were the bundled copy's Tensor class registered first
// (CommonJS evaluates the bundle before external requires), tensors made during a backward pass
// would lack `.cast`, `.clone`… and training would fail under require().
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

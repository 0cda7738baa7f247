import type * as tf from '@tensorflow/tfjs-core';
import type { TorchBackend } from '../torch-backend.js';

// biome-ignore lint/suspicious/noExplicitAny: tfjs passes attrs as a loose map; each kernel reads its own.
export type Attributes = Record<string, any>;

export interface TorchKernelArguments {
  inputs: Record<string, tf.TensorInfo>;
  /** Inputs tfjs passes as an array (Concat, Pack, AddN) arrive as their values in order. */
  inputList: tf.TensorInfo[];
  attrs: Attributes;
  backend: TorchBackend;
}

export interface TorchKernel {
  kernelName: string;
  run(args: TorchKernelArguments): tf.TensorInfo | tf.TensorInfo[];
}

/** Every torch kernel, in the order the kernel files define them. */
export const torchKernels: TorchKernel[] = [];

/**
 * Declares the torch implementation of a tfjs kernel. The body runs inside `runKernel`, so native
 * intermediates it makes and does not output are disposed when it returns or throws.
 */
export function defineKernel(kernelName: string, run: TorchKernel['run']): void {
  torchKernels.push({ kernelName, run });
}

/** The kernel configs to hand to `tf.registerKernel` for a backend name. */
export function kernelConfigs(backendName: string): tf.KernelConfig[] {
  return torchKernels.map((kernel) => ({
    kernelName: kernel.kernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const torch = backend as TorchBackend;
      const inputMap = inputs as Record<string, tf.TensorInfo>;
      return torch.runKernel(() =>
        kernel.run({ inputs: inputMap, inputList: Object.values(inputMap), attrs: attrs ?? {}, backend: torch }),
      );
    },
  }));
}

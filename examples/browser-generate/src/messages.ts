import type { BackendInfo, ExportManifest } from '@tessera/core';
import type { GPTConfig } from '@tessera/transformer';

/** Page → worker. URLs are absolute: a worker resolves relative ones against its own script. */
export type WorkerRequest =
  | { type: 'load'; modelUrl: string; backend: 'wasm' | 'cpu'; wasmPaths: string }
  | {
      type: 'generate';
      prompt: string;
      maxNewTokens: number;
      temperature: number;
      topK: number | undefined;
      seed: number;
    };

/** Worker → page. */
export type WorkerResponse =
  | {
      type: 'loaded';
      manifest: ExportManifest;
      config: GPTConfig;
      parameterCount: number;
      vocabularySize: number;
      backend: BackendInfo;
      milliseconds: number;
    }
  | { type: 'token'; text: string }
  | {
      type: 'done';
      text: string;
      tokenCount: number;
      milliseconds: number;
      /** tf.memory().numTensors before and after generating: equal when nothing leaked. */
      tensorsBefore: number;
      tensorsAfter: number;
    }
  | { type: 'error'; code: string; message: string };

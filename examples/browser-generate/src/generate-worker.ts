// Runs the model off the main thread: each token is milliseconds of synchronous tfjs work, which on
// the page itself would make typing and scrolling stutter. Here each token is posted to the page the
// moment it is sampled.
import { initBrowserBackend, isTesseraError, tf } from '@tessera/core';
import { generate, type LoadedGptExport, loadTransformerExport } from '@tessera/transformer';
import type { WorkerRequest, WorkerResponse } from './messages.js';

let loaded: LoadedGptExport | undefined;
const post = (message: WorkerResponse) => (self as unknown as Worker).postMessage(message);

async function load(request: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
  const began = performance.now();
  const backend = await initBrowserBackend({ backend: request.backend, wasmPaths: request.wasmPaths });
  const model = await loadTransformerExport(new URL(request.modelUrl));
  if (model.kind !== 'gpt') {
    model.model.dispose();
    throw new Error(`the export at ${request.modelUrl} is a '${model.kind}' model; this page generates with GPTs`);
  }
  loaded = model;
  post({
    type: 'loaded',
    manifest: model.manifest,
    config: model.model.config,
    parameterCount: model.model.parameterCount(),
    vocabularySize: model.tokenizer.vocabularySize,
    backend,
    milliseconds: performance.now() - began,
  });
}

async function run(request: Extract<WorkerRequest, { type: 'generate' }>): Promise<void> {
  if (loaded === undefined) throw new Error('the model is not loaded yet');
  const { model, tokenizer } = loaded;
  const prompt = tokenizer.encode(request.prompt);
  const began = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  const tokens = await generate(model, prompt, {
    maxNewTokens: request.maxNewTokens,
    temperature: request.temperature,
    topK: request.topK,
    seed: request.seed,
    onToken: (token) => post({ type: 'token', text: tokenizer.decode([token]) }),
  });
  post({
    type: 'done',
    text: tokenizer.decode(tokens),
    tokenCount: tokens.length,
    milliseconds: performance.now() - began,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
  });
}

self.addEventListener('message', async (event: MessageEvent<WorkerRequest>) => {
  try {
    if (event.data.type === 'load') await load(event.data);
    else await run(event.data);
  } catch (error) {
    post({
      type: 'error',
      code: isTesseraError(error) ? error.code : 'E_PAGE',
      message: error instanceof Error ? error.message : String(error),
    });
  }
});

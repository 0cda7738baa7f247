// The page: asks the worker to load `./model/` (or `?model=<url>`), shows the manifest, and
// streams generated characters into the page. `?backend=cpu` picks tfjs's JavaScript backend.
import type { WorkerRequest, WorkerResponse } from './messages.js';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = element<HTMLParagraphElement>('status');
const metadata = element<HTMLDListElement>('metadata');
const form = element<HTMLFormElement>('generate-form');
const button = element<HTMLButtonElement>('generate');
const promptEcho = element<HTMLSpanElement>('prompt-echo');
const generated = element<HTMLSpanElement>('generated');
const timing = element<HTMLParagraphElement>('timing');
const input = (id: string) => element<HTMLInputElement | HTMLTextAreaElement>(id).value;
let modelLoaded = false;
let streamedTokens = 0;

type State = 'loading' | 'ready' | 'generating' | 'done' | 'error';
function setStatus(state: State, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
  button.disabled = state === 'loading' || state === 'generating' || (state === 'error' && !modelLoaded);
}

function showMetadata(rows: Array<[string, string]>): void {
  metadata.replaceChildren(
    ...rows.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}

const parameters = new URLSearchParams(location.search);
const modelUrl = new URL(parameters.get('model') ?? './model/', location.href).href;
const backend = parameters.get('backend') === 'cpu' ? 'cpu' : 'wasm';

const worker = new Worker(new URL('./generate-worker.ts', import.meta.url), { type: 'module' });
const send = (request: WorkerRequest) => worker.postMessage(request);

worker.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
  const message = event.data;
  switch (message.type) {
    case 'loaded': {
      modelLoaded = true;
      const { manifest, config } = message;
      showMetadata([
        ['URL', modelUrl],
        ['Kind', manifest.kind],
        ['Parameters', message.parameterCount.toLocaleString('en-US')],
        [
          'Shape',
          `${config.layerCount} layers, ${config.headCount} heads, ${config.embeddingSize} dims, ${config.blockSize}-token context`,
        ],
        ['Vocabulary', `${message.vocabularySize} characters`],
        ['Weights', manifest.quantization === null ? 'float32' : `int8 (${manifest.quantization.scheme})`],
        ['Written by', `${manifest.producer.name} ${manifest.producer.version}, tfjs ${manifest.tfjsVersion}`],
        ['Created', manifest.createdAt],
        ['Metadata', JSON.stringify(manifest.metadata)],
        ['Backend', `${message.backend.name} (${message.backend.reason})`],
      ]);
      setStatus('ready', `Ready: loaded and verified in ${Math.round(message.milliseconds)} ms.`);
      break;
    }
    case 'token':
      streamedTokens += 1;
      generated.textContent += message.text;
      break;
    case 'done': {
      const perSecond = message.tokenCount / Math.max(message.milliseconds / 1000, 1e-9);
      timing.textContent = `${message.tokenCount} characters in ${Math.round(message.milliseconds)} ms (${perSecond.toFixed(1)}/s); tensors before ${message.tensorsBefore}, after ${message.tensorsAfter}.`;
      timing.dataset.tensorsBefore = String(message.tensorsBefore);
      timing.dataset.tensorsAfter = String(message.tensorsAfter);
      generated.dataset.streamedTokens = String(streamedTokens);
      // The streamed pieces must add up to the worker's final text; say so if they do not.
      if (generated.textContent !== message.text) {
        setStatus('error', 'the streamed text differs from the generated text; please report this');
      } else {
        setStatus('done', 'Done.');
      }
      break;
    }
    case 'error':
      setStatus('error', message.message);
      break;
  }
});
worker.addEventListener('error', (event) => setStatus('error', `the worker failed: ${event.message}`));

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const topK = Number(input('top-k'));
  promptEcho.textContent = input('prompt');
  generated.textContent = '';
  streamedTokens = 0;
  timing.textContent = '';
  setStatus('generating', 'Generating…');
  send({
    type: 'generate',
    prompt: input('prompt'),
    maxNewTokens: Number(input('max-tokens')),
    temperature: Number(input('temperature')),
    topK: topK > 0 ? topK : undefined,
    seed: Number(input('seed')),
  });
});

setStatus('loading', `Loading the model from ${modelUrl} (${backend} backend)…`);
send({ type: 'load', modelUrl, backend, wasmPaths: new URL('./tfjs-wasm/', location.href).href });

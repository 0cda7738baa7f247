import { type ExportKind, registerExportKind } from '@tessera/core';
import { generate } from '../../generation/generate.js';
import { generateRoute } from './generate-route.js';
import { type LoadedGptExport, loadGptExport } from './load-gpt-export.js';
import { openAIChatRoute } from './openai-chat-route.js';
import { openAICompletionsRoute } from './openai-completions-route.js';

/** How many tokens `tessera predict` generates per prompt. */
const PREDICT_NEW_TOKENS = 64;

/**
 * The `gpt` export kind (written by `exportGpt`): `tessera serve` answers `POST /v1/generate` and
 * OpenAI's `POST /v1/completions` and `POST /v1/chat/completions` (in OpenAI's shapes, errors
 * included); `tessera predict` continues each prompt greedily (so the same prompt always gives the
 * same text).
 */
export const gptExportKind: ExportKind<LoadedGptExport> = {
  kind: 'gpt',
  packageName: '@tessera/transformer',
  description: 'GPT language model: continues a prompt',
  predictInputs: 'prompts',
  load: loadGptExport,
  describe: (loaded) => ({ ...loaded.model.config }),
  dispose: (loaded) => loaded.model.dispose(),
  async predict(loaded, inputs) {
    const predictions = [];
    for (const input of inputs) {
      const prompt = loaded.tokenizer.encode(input);
      const tokens = await generate(loaded.model, prompt, { maxNewTokens: PREDICT_NEW_TOKENS, temperature: 0 });
      const text = loaded.tokenizer.decode(tokens);
      predictions.push({ input, summary: text, value: { text, tokens: tokens.length } });
    }
    return predictions;
  },
  routes: [generateRoute, openAICompletionsRoute, openAIChatRoute],
};

registerExportKind(gptExportKind);

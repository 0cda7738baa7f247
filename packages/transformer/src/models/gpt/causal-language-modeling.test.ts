import { AdamW, createDataLoader, createRandomGenerator, initBackend } from '@tessera/core';
import { Trainer } from '@tessera/trainers';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharacterTokenizer } from '../../tokenizers/character-tokenizer.js';
import { causalLanguageModelingTask, languageModelingDataset } from './causal-language-modeling.js';
import { GPT } from './gpt.js';
import { gptConfig } from './gpt-config.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('causal language modeling', () => {
  it('windows a token stream into inputs and next-token targets', () => {
    const dataset = languageModelingDataset([0, 1, 2, 3, 4, 5, 6], 3, { stride: 2 });
    expect(dataset.length).toBe(2);
    expect(Array.from(dataset.get(1).inputIds)).toEqual([2, 3, 4]);
    expect(Array.from(dataset.get(1).targets)).toEqual([3, 4, 5]);
    expect(() => languageModelingDataset([1, 2], 3)).toThrow(/too few/);
  });

  it('trains a character GPT through the Trainer; perplexity is exp(loss) and falls', async () => {
    const text = 'to be or not to be, that is the question. '.repeat(20);
    const tokenizer = CharacterTokenizer.fromText(text);
    const dataset = languageModelingDataset(tokenizer.encode(text), 16, { stride: 4 });
    const model = new GPT(
      gptConfig('nanogpt-baby', {
        vocabularySize: tokenizer.vocabularySize,
        blockSize: 16,
        layerCount: 2,
        headCount: 2,
        embeddingSize: 32,
      }),
      {
        random: createRandomGenerator(1),
      },
    );
    const trainer = new Trainer({
      model,
      task: causalLanguageModelingTask(),
      optimizer: new AdamW(model.trainableParameters(), { learningRate: 3e-3 }),
    });
    const evaluationLoader = createDataLoader(dataset, { batchSize: 32 });
    const before = await trainer.evaluate(evaluationLoader);
    expect(before.metrics.perplexity).toBeCloseTo(Math.exp(before.loss), 3);
    await trainer.fit(createDataLoader(dataset, { batchSize: 16, shuffle: true, seed: 1 }), { maxSteps: 60 });
    const after = await trainer.evaluate(evaluationLoader);
    expect(after.metrics.perplexity).toBeCloseTo(Math.exp(after.loss), 3);
    expect(after.metrics.perplexity).toBeLessThan(0.25 * (before.metrics.perplexity as number));
  });
});

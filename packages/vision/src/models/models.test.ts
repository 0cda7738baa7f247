import { createRandomGenerator, initBackend, type Module, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import reference from '../fixtures/torch-reference.json' with { type: 'json' };
import { ConvolutionalAutoencoder, DenseAutoencoder } from './autoencoders.js';
import { createImageClassifier } from './image-model-registry.js';
import { LeNet5 } from './lenet.js';
import { MobileNetStyle } from './mobilenet.js';
import { ResNet } from './resnet.js';
import { SmallConvNet } from './small-convnet.js';
import { VGGStyle } from './vgg.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// Parameter counts and output shapes of the PyTorch equivalents: src/fixtures/make-torch-reference.py.
const cases: Array<[keyof typeof reference.models, () => Module<[tf.Tensor], tf.Tensor>, [number, number, number]]> = [
  ['lenet5', () => new LeNet5(), [28, 28, 1]],
  ['smallConvNet', () => new SmallConvNet(), [28, 28, 1]],
  ['smallConvNetBatchNormHidden128', () => new SmallConvNet({ batchNorm: true, hiddenSize: 128 }), [28, 28, 1]],
  ['vggStyle', () => new VGGStyle(), [32, 32, 3]],
  ['resnet20', () => new ResNet(), [32, 32, 3]],
  ['mobilenetStyle', () => new MobileNetStyle(), [32, 32, 3]],
  ['denseAutoencoder', () => new DenseAutoencoder(), [28, 28, 1]],
  ['convolutionalAutoencoder', () => new ConvolutionalAutoencoder(), [28, 28, 1]],
];

describe('models against their PyTorch equivalents', () => {
  for (const [name, build, inputShape] of cases) {
    it(`${name}: parameter count and output shape`, () => {
      const model = build();
      const expected = reference.models[name];
      expect(model.parameterCount()).toBe(expected.parameters);
      model.eval();
      const output = tf.tidy(() => model.forward(tf.zeros([2, ...inputShape])));
      expect(output.shape).toEqual(expected.outputShape);
      output.dispose();
      model.dispose();
    });
  }

  it('classifiers are backbone blocks plus a head, with names transfer learning selects by', () => {
    const model = new ResNet({ blocksPerStage: 1 });
    const names = model.namedParameters().map(([name]) => name);
    expect(names[0]).toBe('backbone.0.0.weight'); // the stem conv
    expect(names).toContain('backbone.2.shortcut.0.weight'); // stage 2's projection
    expect(names.slice(-2)).toEqual(['head.weight', 'head.bias']);
    expect(model.blockCount).toBe(5); // stem, 3 residual blocks, pooling
    expect(() => model.forward(tf.zeros([1, 28, 28, 3]))).toThrow(
      /E_MODEL_INPUT: ResNet expects images \[batch, 32, 32, 3\]/,
    );
    model.dispose();
  });

  it('the same seed gives the same weights; the registry builds by name', async () => {
    const a = new LeNet5({ random: createRandomGenerator(3) });
    const b = createImageClassifier('lenet5', { random: createRandomGenerator(3) });
    expect(Array.from(await a.head.parameters()[0]!.data())).toEqual(Array.from(await b.head.parameters()[0]!.data()));
    expect(() => createImageClassifier('alexnet' as 'lenet5')).toThrow(/E_MODEL_ARCHITECTURE/);
    a.dispose();
    b.dispose();
  });

  it('depthwise convolutions in MobileNet hold one 3×3 filter per channel', () => {
    const model = new MobileNetStyle({ widthMultiplier: 0.25 });
    const depthwise = model.namedParameters().find(([name]) => name === 'backbone.1.0.weight')?.[1];
    expect(depthwise?.shape).toEqual([3, 3, 1, 8]); // [FH, FW, in / groups, out], stem of 32·0.25 = 8 channels
    model.dispose();
  });
});

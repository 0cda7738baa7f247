import { TesseraError } from '@tessera/core';
import type { ImageClassifier } from './image-classifier.js';
import { LeNet5, type LeNet5Config } from './lenet.js';
import { MobileNetStyle, type MobileNetStyleConfig } from './mobilenet.js';
import { ResNet, type ResNetConfig } from './resnet.js';
import { SmallConvNet, type SmallConvNetConfig } from './small-convnet.js';
import { VGGStyle, type VGGStyleConfig } from './vgg.js';

/** The classifiers by the name saved beside their weights. */
export interface ImageClassifierArchitectures {
  lenet5: LeNet5Config;
  'small-convnet': SmallConvNetConfig;
  'vgg-style': VGGStyleConfig;
  resnet: ResNetConfig;
  'mobilenet-style': MobileNetStyleConfig;
}

export type ImageClassifierArchitecture = keyof ImageClassifierArchitectures;

const BUILDERS: {
  [Name in ImageClassifierArchitecture]: (config: ImageClassifierArchitectures[Name]) => ImageClassifier;
} = {
  lenet5: (config) => new LeNet5(config),
  'small-convnet': (config) => new SmallConvNet(config),
  'vgg-style': (config) => new VGGStyle(config),
  resnet: (config) => new ResNet(config),
  'mobilenet-style': (config) => new MobileNetStyle(config),
};

export const IMAGE_CLASSIFIER_ARCHITECTURES = Object.keys(BUILDERS) as ImageClassifierArchitecture[];

/** Builds a classifier by architecture name and (JSON-serialisable) config. */
export function createImageClassifier<Name extends ImageClassifierArchitecture>(
  architecture: Name,
  config: ImageClassifierArchitectures[Name] = {},
): ImageClassifier {
  const build = BUILDERS[architecture] as ((config: unknown) => ImageClassifier) | undefined;
  if (build === undefined) {
    throw new TesseraError(
      'E_MODEL_ARCHITECTURE',
      `unknown image classifier '${String(architecture)}'; choose one of ${IMAGE_CLASSIFIER_ARCHITECTURES.join(', ')}`,
    );
  }
  return build(config);
}

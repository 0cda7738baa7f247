/**
 * @tessera/vision: Convolutional models and image data: IDX (MNIST) and CIFAR-10 readers, PNG/JPEG
 * decoding, seeded augmentation, LeNet-5 / VGG-style / ResNet / MobileNet-style classifiers,
 * autoencoders, transfer learning and pictures of the results.
 */
import { registerExportKind } from '@tessera/core';
import { imageClassifierExportKind } from './export/image-classifier-export-kind.js';

// `tessera serve`, `predict` and `info` find this package's export kind in core's registry.
registerExportKind(imageClassifierExportKind);

export type { FloatImage } from './augmentation/float-image.js';
export { cropWithPadding, flipHorizontal, normalizeImage, rotateImage } from './augmentation/geometry.js';
export type { ImageTransform } from './augmentation/transforms.js';
export {
  composeTransforms,
  normalizePerChannel,
  randomCrop,
  randomHorizontalFlip,
  randomRotation,
} from './augmentation/transforms.js';
export { CIFAR10_CLASS_NAMES, loadCifar10, parseCifar10Batch } from './data/cifar10.js';
export type { IdxArray, IdxDtype } from './data/idx.js';
export { parseIdx, readIdxFile } from './data/idx.js';
export type { ImageBatch, ImageLoaderOptions } from './data/image-loader.js';
export { createImageLoader } from './data/image-loader.js';
export type { ImageSet } from './data/image-set.js';
export { createImageSet, filterClasses, imagePixels, selectImages } from './data/image-set.js';
export type { IdxImageSetOptions, ImageSplit } from './data/mnist.js';
export { FASHION_MNIST_CLASS_NAMES, loadFashionMnist, loadIdxImageSet, loadMnist } from './data/mnist.js';
export type { ImagePreprocessing, LoadedImageClassifierExport } from './export/export-image-classifier.js';
export {
  classifyImages,
  exportImageClassifier,
  loadImageClassifierExport,
  PREPROCESSING_FILE,
} from './export/export-image-classifier.js';
export { imageClassifierExportKind } from './export/image-classifier-export-kind.js';
export type { Bitmap, ChannelCount } from './image/bitmap.js';
export { convertChannels } from './image/bitmap.js';
export type { DecodeOptions, ImageFormat } from './image/image-file.js';
export {
  decodeImage,
  detectImageFormat,
  encodeJpeg,
  encodePng,
  readImageFile,
  writeImageFile,
} from './image/image-file.js';
export { DEFAULT_MAX_IMAGE_PIXELS } from './image/image-limits.js';
export { bitmapToTensor, normalizeChannels, resizeBilinear, tensorToBitmap } from './image/image-tensor.js';
export { Reshape } from './layers/reshape.js';
export { Upsample2d } from './layers/upsample.js';
export type {
  ConvolutionalAutoencoderConfig,
  DenseAutoencoderConfig,
} from './models/autoencoders.js';
export { Autoencoder, ConvolutionalAutoencoder, DenseAutoencoder } from './models/autoencoders.js';
export type { Layer, RandomOption } from './models/image-classifier.js';
export { ImageClassifier } from './models/image-classifier.js';
export type { ImageClassifierArchitecture, ImageClassifierArchitectures } from './models/image-model-registry.js';
export { createImageClassifier, IMAGE_CLASSIFIER_ARCHITECTURES } from './models/image-model-registry.js';
export type { LeNet5Config } from './models/lenet.js';
export { LeNet5 } from './models/lenet.js';
export type { MobileNetStyleConfig } from './models/mobilenet.js';
export { depthwiseSeparableBlock, MobileNetStyle } from './models/mobilenet.js';
export type { ResNetConfig } from './models/resnet.js';
export { BasicBlock, ResNet } from './models/resnet.js';
export type { SmallConvNetConfig } from './models/small-convnet.js';
export { SmallConvNet } from './models/small-convnet.js';
export type { VGGStyleConfig } from './models/vgg.js';
export { VGGStyle } from './models/vgg.js';
export type { Color } from './pictures/canvas.js';
export { Canvas } from './pictures/canvas.js';
export { blueScale, confusionMatrixImage } from './pictures/confusion-matrix-image.js';
export type { ImageStack } from './pictures/image-stack.js';
export { tensorToImageStack } from './pictures/image-stack.js';
export type { PredictionGridOptions } from './pictures/prediction-grid.js';
export { predictionGrid } from './pictures/prediction-grid.js';
export { reconstructionPicture } from './pictures/reconstruction-picture.js';
export type { ImagePrediction, ImagePredictionOptions } from './predict/predict-image-files.js';
export { loadImageBatch, predictImageFiles } from './predict/predict-image-files.js';
export type { ImageClassifierDescription } from './predict/saved-image-classifier.js';
export { loadImageClassifier, saveImageClassifier } from './predict/saved-image-classifier.js';
export type { ImageClassificationTaskOptions, ImageTaskBatch } from './tasks/image-classification-task.js';
export { imageClassificationTask } from './tasks/image-classification-task.js';
export { reconstructionTask } from './tasks/reconstruction-task.js';
export {
  extractFeatures,
  fineTuningParameterGroups,
  freezeBackbone,
  frozenBatchNormInference,
  replaceHead,
  topBlockPatterns,
  unfreezeTopBlocks,
} from './transfer/transfer-learning.js';

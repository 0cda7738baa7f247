import {
  type ClassificationTaskOptions,
  classificationTask,
  type Module,
  type Task,
  TesseraError,
  tf,
} from '@tessera/core';

/**
 * The batch the vision tasks take: named tensors, the image field [batch, height, width, channels].
 * The loader's {@link ImageBatch} is one; the field names are task options.
 */
export type ImageTaskBatch = Record<string, tf.Tensor>;

export interface ImageClassificationTaskOptions extends Omit<ClassificationTaskOptions, 'inputField'> {
  /** The batch field holding images [batch, height, width, channels] (default 'images'). */
  imageField?: string;
}

/**
 * Image classification as a Task for the Trainer: cross-entropy on the model's logits against
 * int32 `labels`, accuracy for evaluation (or the given metrics), softmax probabilities from
 * `predict`. Batches are what createImageLoader yields.
 */
export function imageClassificationTask(
  options: ImageClassificationTaskOptions = {},
): Task<ImageTaskBatch, Module<[tf.Tensor], tf.Tensor>> {
  const imageField = options.imageField ?? 'images';
  const { imageField: _, ...rest } = options;
  const base = classificationTask({ ...rest, inputField: imageField });
  const checkImages = (batch: ImageTaskBatch) => {
    const images = batch[imageField];
    if (images !== undefined && images.rank !== 4) {
      throw new TesseraError(
        'E_TASK_BATCH',
        `image classification: '${imageField}' must be [batch, height, width, channels], got [${images.shape}]`,
      );
    }
  };
  return {
    ...base,
    name: 'image-classification',
    forward(model, batch, context) {
      checkImages(batch);
      return base.forward(model, batch, context);
    },
    predict(model, batch) {
      checkImages(batch);
      return tf.tidy(() => tf.softmax(model.forward(batch[imageField] as tf.Tensor)));
    },
  };
}

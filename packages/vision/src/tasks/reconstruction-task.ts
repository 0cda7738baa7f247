import { type Module, meanSquaredErrorLoss, type Task, TesseraError, type tf } from '@tessera/core';
import type { ImageTaskBatch } from './image-classification-task.js';

/**
 * Training an autoencoder: the loss is the mean squared error per pixel between the model's
 * output and its input images, so `Trainer.evaluate(...).loss` is the reconstruction MSE.
 * `predict` returns the reconstructions.
 */
export function reconstructionTask(
  options: { imageField?: string } = {},
): Task<ImageTaskBatch, Module<[tf.Tensor], tf.Tensor>> {
  const imageField = options.imageField ?? 'images';
  const images = (batch: ImageTaskBatch): tf.Tensor => {
    const value = batch[imageField];
    if (value === undefined) {
      throw new TesseraError(
        'E_TASK_BATCH',
        `reconstruction: the batch has no '${imageField}' field (fields: ${Object.keys(batch).join(', ')})`,
      );
    }
    return value;
  };
  return {
    name: 'reconstruction',
    forward(model, batch) {
      const inputs = images(batch);
      const reconstructions = model.forward(inputs);
      const loss = meanSquaredErrorLoss(reconstructions, inputs) as tf.Scalar;
      return { loss, itemCount: inputs.shape[0] as number };
    },
    predict(model, batch) {
      return model.forward(images(batch));
    },
  };
}

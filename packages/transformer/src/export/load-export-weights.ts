import { TesseraError, tf } from '@tessera/core';

/**
 * Copies an export's weights into the model built from its config (strictly: every name must
 * match), then frees the loaded tensors whether or not they fit.
 */
export function loadExportWeights<M extends { loadStateDict(state: Record<string, tf.Tensor>): unknown }>(
  model: M,
  tensors: Record<string, tf.Tensor>,
  location: string,
): M {
  try {
    model.loadStateDict(tensors);
  } catch (error) {
    throw new TesseraError(
      'E_EXPORT_WEIGHTS',
      `the weights in ${location} do not fit the model described by its config.json: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return model;
}

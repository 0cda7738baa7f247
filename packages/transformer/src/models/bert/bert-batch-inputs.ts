import type { tf } from '@tessera/core';
import type { BertInputs } from './bert.js';

/** The optional model inputs a batch carries. */
export function bertInputs(batch: { tokenTypeIds?: tf.Tensor; attentionMask?: tf.Tensor }): BertInputs {
  return {
    ...(batch.tokenTypeIds === undefined ? {} : { tokenTypeIds: batch.tokenTypeIds }),
    ...(batch.attentionMask === undefined ? {} : { attentionMask: batch.attentionMask }),
  };
}

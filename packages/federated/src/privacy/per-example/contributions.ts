import { TesseraError, tf } from '@tessera/core';

/**
 * One parameter's per-example gradients for a batch, in the cheapest form its layer allows, so the
 * per-example norms and the clipped sum can be computed without always materialising
 * [batch, ...parameterShape]:
 *
 * - `dense`: the gradients themselves, [batch, ...parameterShape] (biases, norm scales).
 * - `outerProduct`: Linear and Conv2d weights, whose gradient for example b is
 *   Σ_rows activationsᵀ · outputGradients per group (rows: positions of a sequence, or the output
 *   pixels of a convolution, whose activations are the input patches). Opacus's grad samplers
 *   form exactly this product (an einsum); here its norm may also come from the "ghost" identity
 *   ‖Σ_r a_r g_rᵀ‖² = Σ_{r,s} (a_r·a_s)(g_r·g_s) when that is cheaper (Li et al. 2022).
 * - `rows`: Embedding tables: example b adds outputGradients[b, t] to row ids[b, t].
 *
 * Every tensor here is owned by the contribution; `disposeContribution` frees them.
 */
export type PerExampleContribution =
  | { kind: 'dense'; perExample: tf.Tensor }
  | {
      kind: 'outerProduct';
      activations: tf.Tensor4D; // [groups, batch, rows, in]
      outputGradients: tf.Tensor4D; // [groups, batch, rows, out]
      parameterShape: number[]; // in · groups · out elements, laid out [in, groups · out]
      /** When `in` is ordered (channel, tap) while the parameter is laid out (tap, channel). */
      featureOrder?: { channels: number; taps: number };
    }
  | {
      kind: 'rows';
      ids: Int32Array; // [batch · positions]
      outputGradients: tf.Tensor3D; // [batch, positions, dimension]
      rowCount: number;
    };

export function disposeContribution(contribution: PerExampleContribution): void {
  if (contribution.kind === 'dense') contribution.perExample.dispose();
  else if (contribution.kind === 'outerProduct') tf.dispose([contribution.activations, contribution.outputGradients]);
  else contribution.outputGradients.dispose();
}

/** Batch size of a contribution. */
export function contributionBatchSize(contribution: PerExampleContribution): number {
  if (contribution.kind === 'dense') return contribution.perExample.shape[0] as number;
  return contribution.outputGradients.shape[contribution.kind === 'outerProduct' ? 1 : 0] as number;
}

/**
 * Sums two contributions to one parameter (a layer called twice in one forward pass): dense
 * gradients add; outer products and rows concatenate along rows / positions, which is the same
 * sum. Takes ownership of both.
 */
export function mergeContributions(
  first: PerExampleContribution,
  second: PerExampleContribution,
): PerExampleContribution {
  if (first.kind === 'dense' && second.kind === 'dense') {
    const perExample = tf.add(first.perExample, second.perExample);
    tf.dispose([first.perExample, second.perExample]);
    return { kind: 'dense', perExample };
  }
  if (first.kind === 'outerProduct' && second.kind === 'outerProduct') {
    const merged: PerExampleContribution = {
      kind: 'outerProduct',
      activations: tf.concat([first.activations, second.activations], 2),
      outputGradients: tf.concat([first.outputGradients, second.outputGradients], 2),
      parameterShape: first.parameterShape,
      featureOrder: first.featureOrder,
    };
    disposeContribution(first);
    disposeContribution(second);
    return merged;
  }
  if (first.kind === 'rows' && second.kind === 'rows') {
    const [batch, firstPositions] = first.outputGradients.shape;
    const secondPositions = second.outputGradients.shape[1];
    const ids = new Int32Array(first.ids.length + second.ids.length);
    for (let example = 0; example < batch; example++) {
      const offset = example * (firstPositions + secondPositions);
      ids.set(first.ids.subarray(example * firstPositions, (example + 1) * firstPositions), offset);
      ids.set(second.ids.subarray(example * secondPositions, (example + 1) * secondPositions), offset + firstPositions);
    }
    const merged: PerExampleContribution = {
      kind: 'rows',
      ids,
      outputGradients: tf.concat([first.outputGradients, second.outputGradients], 1),
      rowCount: first.rowCount,
    };
    disposeContribution(first);
    disposeContribution(second);
    return merged;
  }
  throw new TesseraError('E_DP_LAYER', `cannot merge a ${first.kind} contribution with a ${second.kind} one`);
}

/**
 * Every example's weight gradient per group (einsum 'gbri,gbro->gbio'), as [groups · batch, in,
 * out], or transposed as [groups · batch, out, in] when that is cheaper: the product needs one
 * side transposed (on wasm an explicit transpose then a plain matMul beats matMul's transpose
 * flags), and transposing the narrower of activations and gradients moves less data.
 */
function outerProductPerExample(
  activations: tf.Tensor4D,
  outputGradients: tf.Tensor4D,
): { perExample: tf.Tensor3D; transposed: boolean } {
  const [groups, batch, rows, inFeatures] = activations.shape;
  const outFeatures = outputGradients.shape[3];
  const a = tf.reshape(activations, [groups * batch, rows, inFeatures]);
  const g = tf.reshape(outputGradients, [groups * batch, rows, outFeatures]);
  if (outFeatures < inFeatures) {
    return { perExample: tf.matMul(tf.transpose(g, [0, 2, 1]), a) as tf.Tensor3D, transposed: true };
  }
  return { perExample: tf.matMul(tf.transpose(a, [0, 2, 1]), g) as tf.Tensor3D, transposed: false };
}

/** [leading, in, out] with `in` in (channel, tap) order → (tap, channel) order, as the parameter is laid out. */
function toParameterOrder(
  tensor: tf.Tensor3D,
  featureOrder: { channels: number; taps: number } | undefined,
): tf.Tensor3D {
  if (featureOrder === undefined) return tensor;
  const [leading, , outFeatures] = tensor.shape;
  const split = tf.reshape(tensor, [leading, featureOrder.channels, featureOrder.taps, outFeatures]);
  return tf.reshape(tf.transpose(split, [0, 2, 1, 3]), tensor.shape) as tf.Tensor3D;
}

/** Rows of an embedding contribution grouped by (example, id): the segments whose sums are the gradient rows. */
function exampleRowSegments(contribution: Extract<PerExampleContribution, { kind: 'rows' }>) {
  const [batch, positions] = contribution.outputGradients.shape;
  const segmentOf = new Map<number, number>();
  const segmentIds = new Int32Array(batch * positions);
  const exampleOfSegment: number[] = [];
  for (let example = 0; example < batch; example++) {
    for (let position = 0; position < positions; position++) {
      const key = example * contribution.rowCount + (contribution.ids[example * positions + position] as number);
      let segment = segmentOf.get(key);
      if (segment === undefined) {
        segment = exampleOfSegment.length;
        segmentOf.set(key, segment);
        exampleOfSegment.push(example);
      }
      segmentIds[example * positions + position] = segment;
    }
  }
  return { segmentIds, exampleOfSegment: Int32Array.from(exampleOfSegment), segmentCount: exampleOfSegment.length };
}

/** ‖per-example gradient‖² for each example: [batch]. */
export function squaredNorms(contribution: PerExampleContribution): tf.Tensor1D {
  return tf.tidy(() => {
    if (contribution.kind === 'dense') {
      const { perExample } = contribution;
      return tf.sum(tf.square(tf.reshape(perExample, [perExample.shape[0] as number, -1])), 1) as tf.Tensor1D;
    }
    if (contribution.kind === 'outerProduct') {
      const { activations, outputGradients } = contribution;
      const [groups, batch, rows, inFeatures] = activations.shape;
      const outFeatures = outputGradients.shape[3];
      let perGroup: tf.Tensor; // [groups, batch]
      if (rows === 1) {
        // ‖a gᵀ‖² = ‖a‖²‖g‖² for a single row: the per-example gradient is never formed.
        perGroup = tf.mul(tf.sum(tf.square(activations), [2, 3]), tf.sum(tf.square(outputGradients), [2, 3]));
      } else if (rows * rows * (inFeatures + outFeatures) < rows * inFeatures * outFeatures) {
        const a = tf.reshape(activations, [groups * batch, rows, inFeatures]);
        const g = tf.reshape(outputGradients, [groups * batch, rows, outFeatures]);
        const activationGram = tf.matMul(a, tf.transpose(a, [0, 2, 1])); // [groups · batch, rows, rows]
        const gradientGram = tf.matMul(g, tf.transpose(g, [0, 2, 1]));
        perGroup = tf.reshape(tf.sum(tf.mul(activationGram, gradientGram), [1, 2]), [groups, batch]);
      } else {
        const { perExample } = outerProductPerExample(activations, outputGradients); // the norm ignores orientation
        perGroup = tf.reshape(tf.sum(tf.square(perExample), [1, 2]), [groups, batch]);
      }
      return tf.sum(perGroup, 0) as tf.Tensor1D;
    }
    const [batch, positions, dimension] = contribution.outputGradients.shape;
    const { segmentIds, exampleOfSegment, segmentCount } = exampleRowSegments(contribution);
    const rowSums = tf.unsortedSegmentSum(
      tf.reshape(contribution.outputGradients, [batch * positions, dimension]),
      tf.tensor1d(segmentIds, 'int32'),
      segmentCount,
    ); // [segments, dimension]: one gradient row per (example, id)
    return tf.unsortedSegmentSum(
      tf.sum(tf.square(rowSums), 1),
      tf.tensor1d(exampleOfSegment, 'int32'),
      batch,
    ) as tf.Tensor1D;
  });
}

/** Σ_b coefficients[b] · (per-example gradient of b): the clipped sum, in the parameter's shape. */
export function weightedSum(contribution: PerExampleContribution, coefficients: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    if (contribution.kind === 'dense') {
      const { perExample } = contribution;
      const batch = perExample.shape[0] as number;
      const flat = tf.reshape(perExample, [batch, -1]);
      return tf.reshape(tf.matMul(tf.reshape(coefficients, [1, batch]), flat), perExample.shape.slice(1));
    }
    if (contribution.kind === 'outerProduct') {
      const { activations, outputGradients, parameterShape } = contribution;
      const [groups, batch, rows, inFeatures] = activations.shape;
      const outFeatures = outputGradients.shape[3];
      // Scale and transpose the narrower side; Σ over batch and rows is one matMul per group.
      const weights = tf.reshape(coefficients, [1, batch, 1, 1]);
      let product: tf.Tensor3D; // [groups, in, out]
      if (outFeatures < inFeatures) {
        const g = tf.transpose(
          tf.reshape(tf.mul(outputGradients, weights), [groups, batch * rows, outFeatures]),
          [0, 2, 1],
        );
        const transposed = tf.matMul(g, tf.reshape(activations, [groups, batch * rows, inFeatures])); // [groups, out, in]
        product = tf.transpose(transposed, [0, 2, 1]) as tf.Tensor3D;
      } else {
        const a = tf.transpose(tf.reshape(tf.mul(activations, weights), [groups, batch * rows, inFeatures]), [0, 2, 1]);
        product = tf.matMul(a, tf.reshape(outputGradients, [groups, batch * rows, outFeatures])) as tf.Tensor3D;
      }
      const summed = toParameterOrder(product, contribution.featureOrder);
      return tf.reshape(groups === 1 ? summed : tf.transpose(summed, [1, 0, 2]), parameterShape);
    }
    const [batch, positions, dimension] = contribution.outputGradients.shape;
    const scaled = tf.mul(contribution.outputGradients, tf.reshape(coefficients, [batch, 1, 1]));
    return tf.unsortedSegmentSum(
      tf.reshape(scaled, [batch * positions, dimension]),
      tf.tensor1d(contribution.ids, 'int32'),
      contribution.rowCount,
    );
  });
}

/** The per-example gradients themselves: [batch, ...parameterShape]. */
export function materialize(contribution: PerExampleContribution): tf.Tensor {
  return tf.tidy(() => {
    if (contribution.kind === 'dense') return tf.clone(contribution.perExample);
    if (contribution.kind === 'outerProduct') {
      const { activations, outputGradients, parameterShape } = contribution;
      const [groups, batch, , inFeatures] = activations.shape; // reordered below when featureOrder is set
      const outFeatures = outputGradients.shape[3];
      const product = outerProductPerExample(activations, outputGradients);
      const oriented = product.transposed ? tf.transpose(product.perExample, [0, 2, 1]) : product.perExample;
      const perExample = tf.reshape(toParameterOrder(oriented as tf.Tensor3D, contribution.featureOrder), [
        groups,
        batch,
        inFeatures,
        outFeatures,
      ]);
      return tf.reshape(tf.transpose(perExample, [1, 2, 0, 3]), [batch, ...parameterShape]);
    }
    const [batch, positions, dimension] = contribution.outputGradients.shape;
    const keys = contribution.ids.map((id, index) => Math.floor(index / positions) * contribution.rowCount + id);
    const summed = tf.unsortedSegmentSum(
      tf.reshape(contribution.outputGradients, [batch * positions, dimension]),
      tf.tensor1d(keys, 'int32'),
      batch * contribution.rowCount,
    );
    return tf.reshape(summed, [batch, contribution.rowCount, dimension]);
  });
}

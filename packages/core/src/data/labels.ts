import { TesseraError } from '../errors.js';

/** Class labels for stratification: numbers (typed arrays included), strings or booleans. */
export type ClassLabels = ArrayLike<number | string | boolean>;

/** Labels encoded as class ids 0 … classCount − 1, in order of first appearance. */
export interface EncodedLabels {
  /** The class id of each example. */
  readonly ids: Int32Array;
  /** The label of each class id. */
  readonly classes: ReadonlyArray<number | string | boolean>;
  /** The number of examples of each class id. */
  readonly counts: Int32Array;
  /** The example indices of each class id, ascending. */
  readonly members: Int32Array[];
}

/**
 * Encodes labels by order of first appearance: the same encoding scikit-learn's StratifiedKFold
 * uses, which matters because its fold allocation walks the classes in that order.
 */
export function encodeLabels(labels: ClassLabels, what: string): EncodedLabels {
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new TesseraError('E_DATA_LABELS', `${what} needs an array of class labels, got ${String(labels)}`);
  }
  const idOf = new Map<number | string | boolean, number>();
  const classes: Array<number | string | boolean> = [];
  const ids = new Int32Array(labels.length);
  for (let index = 0; index < labels.length; index++) {
    const label = labels[index];
    if (
      !(typeof label === 'string' || typeof label === 'boolean' || (typeof label === 'number' && !Number.isNaN(label)))
    ) {
      throw new TesseraError(
        'E_DATA_LABELS',
        `${what}: label ${index} is ${String(label)}; labels must be numbers (not NaN), strings or booleans`,
      );
    }
    let id = idOf.get(label);
    if (id === undefined) {
      id = classes.length;
      idOf.set(label, id);
      classes.push(label);
    }
    ids[index] = id;
  }
  const counts = new Int32Array(classes.length);
  for (const id of ids) counts[id] = (counts[id] as number) + 1;
  const members = Array.from(counts, (count) => new Int32Array(count));
  const filled = new Int32Array(classes.length);
  ids.forEach((id, index) => {
    (members[id] as Int32Array)[filled[id] as number] = index;
    filled[id] = (filled[id] as number) + 1;
  });
  return { ids, classes, counts, members };
}

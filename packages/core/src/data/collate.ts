import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import type { NumericTypedArray } from '../typed-arrays.js';
import type { CollateDtype, FieldDtypes } from './dataset.js';

/** A value the default collation stacks into a numeric tensor (booleans become 0/1). Exported as `CollatableScalar`. */
export type Scalar = number | boolean;

/**
 * What the default collation makes of a batch of `T`s (see {@link defaultCollate} for the rules).
 * Nested number arrays are recognised up to three levels at the type level; deeper ones are
 * still collated at run time and typed as `tf.Tensor`.
 */
export type Collated<T> = T extends tf.Tensor
  ? tf.Tensor
  : T extends number | boolean
    ? tf.Tensor1D
    : T extends string
      ? string[]
      : T extends NumericTypedArray
        ? tf.Tensor2D
        : T extends readonly Scalar[]
          ? tf.Tensor2D
          : T extends readonly (readonly Scalar[])[]
            ? tf.Tensor3D
            : T extends readonly (readonly (readonly Scalar[])[])[]
              ? tf.Tensor4D
              : T extends readonly unknown[]
                ? { -readonly [Position in keyof T]: Collated<T[Position]> }
                : T extends object
                  ? { -readonly [Field in keyof T]: Collated<T[Field]> }
                  : never;

/** Options of {@link defaultCollate}. */
export interface CollateOptions {
  /** Dtype per dotted field path, overriding the inferred one (e.g. `{ labels: 'int32' }`). */
  dtypes?: FieldDtypes;
}

/** Turns the examples of one batch into the batch a model consumes. */
export type CollateFunction<Example, Batch> = (examples: Example[]) => Batch;

function isTypedArray(value: unknown): value is NumericTypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isTypedArray(value)) return value.constructor.name;
  if (value instanceof tf.Tensor) return 'tensor';
  return typeof value;
}

function fail(path: string, detail: string): never {
  const where = path === '' ? 'examples' : `field '${path}'`;
  throw new TesseraError('E_DATA_COLLATE', `cannot collate ${where}: ${detail}`);
}

function isRow(value: unknown): boolean {
  return Array.isArray(value) || isTypedArray(value);
}

/** The shape of a rectangular nested number array, or undefined when it is not one. */
function numericShape(value: unknown): number[] | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return [];
  if (isTypedArray(value)) return [value.length];
  if (!Array.isArray(value) || value.length === 0) return Array.isArray(value) ? [0] : undefined;
  const inner = numericShape(value[0]);
  if (inner === undefined) return undefined;
  for (let i = 1; i < value.length; i++) {
    const other = numericShape(value[i]);
    if (other === undefined || other.length !== inner.length || other.some((size, axis) => size !== inner[axis])) {
      return undefined;
    }
  }
  return [value.length, ...inner];
}

/**
 * Booleans become bool; integer typed arrays become int32 so labels and ids stay exact; float
 * typed arrays and plain numbers become float32. Nested arrays are judged by their first leaf.
 */
function inferredDtype(value: unknown): CollateDtype {
  while (Array.isArray(value) && value.length > 0) value = value[0];
  if (typeof value === 'boolean') return 'bool';
  if (isTypedArray(value)) return value instanceof Float32Array || value instanceof Float64Array ? 'float32' : 'int32';
  return 'float32';
}

/** Copies a (nested) number array or typed array into `target` from `offset`; returns the next offset. */
function flattenInto(value: unknown, target: Float32Array | Int32Array, offset: number): number {
  if (typeof value === 'number' || typeof value === 'boolean') {
    target[offset] = Number(value);
    return offset + 1;
  }
  if (isTypedArray(value)) {
    target.set(value, offset);
    return offset + value.length;
  }
  let next = offset;
  for (const item of value as unknown[]) next = flattenInto(item, target, next);
  return next;
}

function collateNumeric(examples: unknown[], path: string, dtype: CollateDtype | undefined, created: tf.Tensor[]) {
  const first = examples[0];
  const rowShape = numericShape(first);
  if (rowShape === undefined) fail(path, 'the first example is a ragged or non-numeric array');
  const rowSize = rowShape.reduce((product, size) => product * size, 1);
  const resolved = dtype ?? inferredDtype(first);
  // int32 and bool share an Int32Array staging buffer.
  const values =
    resolved === 'float32' ? new Float32Array(examples.length * rowSize) : new Int32Array(examples.length * rowSize);
  let offset = 0;
  examples.forEach((example, position) => {
    const shape = numericShape(example);
    if (
      shape === undefined ||
      shape.length !== rowShape.length ||
      shape.some((size, axis) => size !== rowShape[axis])
    ) {
      fail(
        path,
        `example ${position} has shape [${shape?.join(', ') ?? describe(example)}] but example 0 has shape ` +
          `[${rowShape.join(', ')}]; pad or truncate to one shape, or pass a custom collate`,
      );
    }
    if (example instanceof Uint32Array && resolved !== 'float32' && example.some((item) => item > 0x7fffffff)) {
      fail(path, `example ${position} holds a Uint32 value above 2^31 - 1, which int32 cannot represent`);
    }
    offset = flattenInto(example, values, offset);
  });
  const shape = [examples.length, ...rowShape];
  // tfjs stores bool as 0/1 bytes; normalise any non-zero value to 1.
  const tensor =
    resolved === 'bool'
      ? tf.tensor(
          Uint8Array.from(values, (item) => (item !== 0 ? 1 : 0)),
          shape,
          'bool',
        )
      : tf.tensor(values, shape, resolved);
  created.push(tensor);
  return tensor;
}

function collateAt(examples: unknown[], path: string, dtypes: FieldDtypes, created: tf.Tensor[]): unknown {
  const first = examples[0];
  const dtype = dtypes[path];
  const kind = describe(first);
  for (let position = 1; position < examples.length; position++) {
    const other = describe(examples[position]);
    // Number arrays and typed arrays are both rows of numbers (shapes are checked on collation).
    const compatible = other === kind || (isRow(first) && isRow(examples[position]));
    if (!compatible) fail(path, `example ${position} is ${other} but example 0 is ${kind}`);
  }

  if (first instanceof tf.Tensor) {
    const tensors = examples as tf.Tensor[];
    const stacked = tf.tidy(() => {
      const batch = tf.stack(tensors);
      return dtype && dtype !== batch.dtype ? tf.cast(batch, dtype) : batch;
    });
    created.push(stacked);
    return stacked;
  }
  if (typeof first === 'string') return [...(examples as string[])];
  if (typeof first === 'number' || typeof first === 'boolean' || isTypedArray(first))
    return collateNumeric(examples, path, dtype, created);
  if (Array.isArray(first)) {
    if (numericShape(first) !== undefined) return collateNumeric(examples, path, dtype, created);
    // A tuple such as [image, label]: collate each position across the batch.
    return first.map((_, position) => {
      const column = examples.map((example, index) => {
        const tuple = example as unknown[];
        if (tuple.length !== first.length) {
          fail(path, `example ${index} has ${tuple.length} elements but example 0 has ${first.length}`);
        }
        return tuple[position];
      });
      return collateAt(column, path === '' ? String(position) : `${path}.${position}`, dtypes, created);
    });
  }
  if (isPlainObject(first)) {
    const fields = Object.keys(first);
    const batch: Record<string, unknown> = {};
    for (const field of fields) {
      const column = examples.map((example, index) => {
        const value = (example as Record<string, unknown>)[field];
        if (value === undefined) fail(path, `example ${index} has no field '${field}', which example 0 has`);
        return value;
      });
      batch[field] = collateAt(column, path === '' ? field : `${path}.${field}`, dtypes, created);
    }
    return batch;
  }
  return fail(path, `values of type ${kind} are not supported; pass a custom collate function`);
}

/**
 * The default collation: turns an array of examples into one batch, field by field.
 *
 * - number → 1-D tensor `[batch]`, **float32** unless a dtype hint says otherwise;
 * - boolean → 1-D `bool` tensor;
 * - typed array → 2-D tensor `[batch, length]`; integer typed arrays (Int32Array, Uint8Array,
 *   Int16Array, …) → **int32**, Float32Array/Float64Array → float32;
 * - (nested) number array → tensor `[batch, ...shape]`, float32 unless hinted (bool when its
 *   values are booleans); every example must have the same shape;
 * - tf.Tensor → `tf.stack` (the example tensors are not disposed; they stay the dataset's);
 * - string → `string[]` (tokenise in the dataset or a custom collate);
 * - plain object → object of collated fields (recursively); array that is not numeric (a tuple
 *   like `[features, label]`) → array of collated positions.
 *
 * Hints come from `options.dtypes`, keyed by dotted field path (`'labels'`, `'inputs.ids'`, `'1'`,
 * `''` for the examples themselves), and override the inferred dtype. Mismatched examples fail
 * with `E_DATA_COLLATE`, and any tensor already created for the batch is disposed first.
 *
 * The returned tensors belong to the caller, who must dispose them (`tf.dispose(batch)`).
 */
export function defaultCollate<Example>(examples: Example[], options: CollateOptions = {}): Collated<Example> {
  if (!Array.isArray(examples) || examples.length === 0) fail('', 'a batch needs at least one example');
  const created: tf.Tensor[] = [];
  try {
    return collateAt(examples, '', options.dtypes ?? {}, created) as Collated<Example>;
  } catch (error) {
    tf.dispose(created);
    throw error;
  }
}

/** A collate function with fixed options, e.g. `createCollate({ dtypes: { labels: 'int32' } })`. */
export function createCollate<Example>(options: CollateOptions = {}): CollateFunction<Example, Collated<Example>> {
  return (examples) => defaultCollate(examples, options);
}

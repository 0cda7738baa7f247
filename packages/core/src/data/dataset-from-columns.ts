import { TesseraError } from '../errors.js';
import type { NumericTypedArray } from '../typed-arrays.js';
import { type CollateDtype, checkIndex, type InMemoryDataset } from './dataset.js';

/**
 * A row-major matrix stored flat: `values.length` must be a multiple of `rowLength`, and row i
 * is `values.subarray(i * rowLength, (i + 1) * rowLength)` (a view, not a copy).
 */
export interface MatrixColumn<Values extends NumericTypedArray = NumericTypedArray> {
  readonly values: Values;
  readonly rowLength: number;
}

/**
 * One column of a {@link datasetFromColumns} dataset:
 * - an array: row i is element i (numbers, number arrays, typed arrays, strings, objects);
 * - a typed array: row i is the number at i (one scalar per example, e.g. labels);
 * - a {@link MatrixColumn}: row i is a typed-array view of one row (e.g. feature vectors).
 */
export type Column = readonly unknown[] | NumericTypedArray | MatrixColumn;

/** The type of one row of a column. */
export type ColumnRow<C> =
  C extends MatrixColumn<infer Values>
    ? Values
    : C extends NumericTypedArray
      ? number
      : C extends readonly (infer Row)[]
        ? Row
        : never;

/** The example type of a dataset built from columns: one field per column. */
export type ColumnsExample<Columns> = { [Name in keyof Columns]: ColumnRow<Columns[Name]> };

function isTypedArray(value: unknown): value is NumericTypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Integer typed arrays hold labels and ids; collating them as int32 keeps them exact. */
function dtypeOfTypedArray(values: NumericTypedArray): CollateDtype {
  return values instanceof Float32Array || values instanceof Float64Array ? 'float32' : 'int32';
}

/**
 * A map-style dataset over parallel columns, the shape most tabular data arrives in:
 *
 * ```ts
 * const dataset = datasetFromColumns({
 *   features: { values: featureMatrix, rowLength: 4 }, // Float32Array, 4 values per example
 *   labels: labelIds,                                    // Int32Array, one label per example
 * });
 * dataset.get(0); // { features: Float32Array(4), labels: 2 }
 * ```
 *
 * Columns backed by an integer typed array (`Int32Array`, `Uint8Array`, ...) carry an `int32`
 * dtype hint, so the default collation yields int32 tensors for them even though each row is a
 * plain number; float typed arrays and plain arrays get no hint (numbers collate to float32).
 * Every column must have the same number of rows (`E_DATA_COLUMNS` otherwise).
 */
export function datasetFromColumns<Columns extends Record<string, Column>>(
  columns: Columns,
): InMemoryDataset<ColumnsExample<Columns>> {
  const names = Object.keys(columns);
  if (names.length === 0) {
    throw new TesseraError('E_DATA_COLUMNS', 'datasetFromColumns needs at least one column, e.g. { features, labels }');
  }
  const readers: Array<[string, (index: number) => unknown]> = [];
  const dtypes: Record<string, CollateDtype> = {};
  const rowCounts: string[] = [];
  let length: number | undefined;

  for (const name of names) {
    const column = columns[name] as Column;
    let rows: number;
    if (Array.isArray(column)) {
      rows = column.length;
      readers.push([name, (index) => column[index]]);
    } else if (isTypedArray(column)) {
      rows = column.length;
      dtypes[name] = dtypeOfTypedArray(column);
      readers.push([name, (index) => column[index]]);
    } else if (column !== null && typeof column === 'object' && isTypedArray((column as MatrixColumn).values)) {
      const { values, rowLength } = column as MatrixColumn;
      if (!Number.isInteger(rowLength) || rowLength <= 0 || values.length % rowLength !== 0) {
        throw new TesseraError(
          'E_DATA_COLUMNS',
          `column '${name}' has ${values.length} values, which is not a whole number of rows of length ${rowLength}; ` +
            'rowLength must be a positive integer that divides values.length',
        );
      }
      rows = values.length / rowLength;
      readers.push([name, (index) => values.subarray(index * rowLength, (index + 1) * rowLength)]);
    } else {
      throw new TesseraError(
        'E_DATA_COLUMNS',
        `column '${name}' is neither an array, a typed array nor { values: TypedArray, rowLength }`,
      );
    }
    rowCounts.push(`${name}: ${rows}`);
    if (length === undefined) length = rows;
    else if (rows !== length) {
      throw new TesseraError(
        'E_DATA_COLUMNS',
        `columns have different numbers of rows (${rowCounts.join(', ')}); every column needs one row per example`,
      );
    }
  }

  const rowCount = length ?? 0;
  return {
    length: rowCount,
    dtypes,
    get(index: number): ColumnsExample<Columns> {
      checkIndex(index, rowCount);
      const example: Record<string, unknown> = {};
      for (const [name, read] of readers) example[name] = read(index);
      return example as ColumnsExample<Columns>;
    },
  };
}

/**
 * Solves A x = b in place for a symmetric positive-definite A ([size, size], row-major) by
 * Cholesky factorisation: A is overwritten by its lower factor, b by x. Small dense systems
 * (one per user or item in ALS) are faster in plain loops than through tensor ops.
 */
export function solveSymmetricPositiveDefinite(matrix: Float64Array, vector: Float64Array, size: number): void {
  for (let column = 0; column < size; column++) {
    let diagonal = matrix[column * size + column] as number;
    for (let k = 0; k < column; k++) diagonal -= (matrix[column * size + k] as number) ** 2;
    // A regularised normal matrix is positive definite; the floor guards against rounding only.
    const pivot = Math.sqrt(Math.max(diagonal, 1e-12));
    matrix[column * size + column] = pivot;
    for (let row = column + 1; row < size; row++) {
      let value = matrix[row * size + column] as number;
      for (let k = 0; k < column; k++)
        value -= (matrix[row * size + k] as number) * (matrix[column * size + k] as number);
      matrix[row * size + column] = value / pivot;
    }
  }
  for (let row = 0; row < size; row++) {
    let value = vector[row] as number;
    for (let k = 0; k < row; k++) value -= (matrix[row * size + k] as number) * (vector[k] as number);
    vector[row] = value / (matrix[row * size + row] as number);
  }
  for (let row = size - 1; row >= 0; row--) {
    let value = vector[row] as number;
    for (let k = row + 1; k < size; k++) value -= (matrix[k * size + row] as number) * (vector[k] as number);
    vector[row] = value / (matrix[row * size + row] as number);
  }
}

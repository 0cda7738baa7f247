/**
 * Arithmetic on numbers stored as their natural logarithms, for the privacy accountant: the
 * terms of the sampled Gaussian's Rényi divergence span hundreds of orders of magnitude, so they
 * are added and subtracted in log space (0 is −∞).
 */

/** log(e^x + e^y) without overflow. */
export function logAdd(x: number, y: number): number {
  const low = Math.min(x, y);
  const high = Math.max(x, y);
  if (low === Number.NEGATIVE_INFINITY) return high;
  return Math.log1p(Math.exp(low - high)) + high;
}

/** log(e^x − e^y) for x ≥ y; −∞ when they are equal. */
export function logSubtract(x: number, y: number): number {
  if (x < y) throw new RangeError(`logSubtract needs x ≥ y, got ${x} < ${y}: the difference would be negative`);
  if (y === Number.NEGATIVE_INFINITY) return x;
  if (x === y) return Number.NEGATIVE_INFINITY;
  const difference = x - y;
  // e^x − e^y = (e^(x−y) − 1)·e^y; past ~709 the expm1 overflows and e^y is negligible.
  return difference > 700 ? x : Math.log(Math.expm1(difference)) + y;
}

const SQRT_PI = Math.sqrt(Math.PI);

/** erf(x) by its everywhere-convergent series of positive terms (no cancellation), for |x| < 2. */
function erfSeries(x: number): number {
  // erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1)); erf is odd.
  if (x < 0) return -erfSeries(-x);
  const square = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * square) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * Math.exp(-square) * sum;
}

/** log(√π · e^(x²) · erfc(x)) for x ≥ 2, by the Laplace continued fraction (modified Lentz). */
function logScaledErfcContinuedFraction(x: number): number {
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -Math.log(f);
}

/**
 * log(erfc(x)), accurate in relative terms over the whole line: for large x, where erfc(x)
 * underflows (erfc(27) < 1e-300), it is computed as −x² + log of the scaled complement. The
 * accountant needs it at arguments of both signs and up to a few dozen.
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 2) return -x * x + logScaledErfcContinuedFraction(x) - Math.log(SQRT_PI);
  if (x > -2) return Math.log1p(-erfSeries(x));
  // erfc(x) = 2 − erfc(−x), and erfc(−x) < 4.7e−3 here.
  return Math.log(2) + Math.log1p(-0.5 * Math.exp(logErfc(-x)));
}

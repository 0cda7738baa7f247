/** A JavaScript typed array of numbers (not the BigInt ones, which tensors cannot hold): @tessera/spec's. */
export type { NumericTypedArray } from '@tessera/spec';

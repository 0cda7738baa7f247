import { findPackageVersion, type QuantizationRule, TesseraError } from '@tessera/core';

/** The tokenizer file every transformer export carries (its JSON form, told apart by `type`). */
export const TOKENIZER_FILE = 'tokenizer.json';

/** Options shared by the transformer exporters. */
export interface TransformerExportOptions {
  /** `'int8'`: weight matrices and embedding tables as int8 with per-channel scales (~4x smaller). */
  quantization?: 'int8';
  /** With int8, also quantize embedding tables (per row; default true). */
  quantizeEmbeddings?: boolean;
  /** Free-form facts to keep in the manifest (e.g. validation loss). */
  metadata?: Record<string, unknown>;
  /** Replace an existing export directory (default false). */
  overwrite?: boolean;
}

/**
 * Int8 rule for transformers: weight matrices per output channel (last axis of a Linear weight
 * [in, out]); embedding tables [rows, embedding] per row (axis 0): each token's vector gets its own
 * scale, which also suits a tied output head (its output channels are the rows). Biases and
 * LayerNorm parameters (vectors) stay float32.
 */
export function transformerQuantizationRule(quantizeEmbeddings = true): QuantizationRule {
  return (name, tensor) => {
    if (tensor.dtype !== 'float32' || tensor.rank < 2 || tensor.size < 1024) return undefined;
    if (/[eE]mbedding(s)?\.weight$|embeddings\.[a-zA-Z]+\.weight$/.test(name)) {
      return quantizeEmbeddings ? 0 : undefined;
    }
    return -1;
  };
}

/** The manifest's `producer`: this package and its installed version. */
export async function transformerExportProducer() {
  return { name: '@tessera/transformer', version: await findPackageVersion(import.meta.url, '@tessera/transformer') };
}

/** The `quantization` argument of `writeExportDirectory` for the exporters' options. */
export function transformerExportQuantization(options: TransformerExportOptions) {
  if (options.quantization === undefined) return undefined;
  if (options.quantization !== 'int8') {
    throw new TesseraError(
      'E_EXPORT_QUANTIZATION',
      `unknown quantization '${String(options.quantization)}'; use 'int8'`,
    );
  }
  return { scheme: 'int8' as const, rule: transformerQuantizationRule(options.quantizeEmbeddings ?? true) };
}

/**
 * @tessera/transformer: Transformers from tokenizer to generation.
 *
 * This package is being built; it exports nothing yet rather than anything unfinished.
 * See the package README for what it will provide.
 */
export {};

/**
 * The browser entry of @tessera/transformer: models, tokenizers that need no files, generation and
 * `loadTransformerExport` from a URL. Bundlers pick it through the `browser` condition of
 * package.json `exports` (and get @tessera/core's browser entry the same way); Node keeps the full
 * entry. Left out, because they read or write files: the exporters (`exportGpt`,
 * `exportBertClassifier`), Hugging Face directory loading (`loadPretrained`, `savePretrained`,
 * `loadBertTokenizer`), `readWordPieceVocabulary`, and the byte-level BPE tokenizer and trainer.
 */
export * from './portable.js';

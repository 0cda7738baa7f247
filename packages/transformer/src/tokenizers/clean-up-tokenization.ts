/**
 * Hugging Face's `clean_up_tokenization` (transformers' `PreTrainedTokenizerBase`): glue punctuation
 * and English contractions back on after decoding. WordPiece and `tokenizer.json` decoders share it.
 */
export function cleanUpTokenizationSpaces(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

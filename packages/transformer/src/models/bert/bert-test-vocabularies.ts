/** The vocabulary of Google BERT's tokenization_test.py test_full_tokenizer (no [PAD] or [MASK]). */
export const googleVocabulary = ['[UNK]', '[CLS]', '[SEP]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ','];

/** The vocabulary of Hugging Face's BertTokenizationTest.setUp: [CLS]=1, [SEP]=2, [PAD]=3, [MASK]=4. */
export const huggingFaceVocabulary = [
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[PAD]',
  '[MASK]',
  'want',
  '##want',
  '##ed',
  'wa',
  'un',
  'runn',
  '##ing',
  ',',
  'low',
  'lowest',
];

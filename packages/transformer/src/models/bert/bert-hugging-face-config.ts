import { TesseraError } from '@tessera/core';
import { type Bert, BertForMaskedLanguageModeling, BertForSequenceClassification } from './bert.js';
import type { BertConfig } from './bert-config.js';

/** Hugging Face's BertConfig fields that matter here (config.json of a model_type 'bert'). */
export interface BertHuggingFaceConfig {
  model_type: 'bert';
  architectures?: string[];
  vocab_size?: number;
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  intermediate_size?: number;
  hidden_act?: string;
  hidden_dropout_prob?: number;
  attention_probs_dropout_prob?: number;
  max_position_embeddings?: number;
  type_vocab_size?: number;
  layer_norm_eps?: number;
  position_embedding_type?: string;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  num_labels?: number;
  [field: string]: unknown;
}

/** The Hugging Face BERT classes Tessera builds, by their Hugging Face name. */
export type BertArchitecture = 'BertModel' | 'BertForMaskedLM' | 'BertForSequenceClassification';
export const bertArchitectures: readonly BertArchitecture[] = [
  'BertModel',
  'BertForMaskedLM',
  'BertForSequenceClassification',
];

/** The Tessera model of each architecture. */
export type BertModelFor<Architecture extends BertArchitecture> = {
  BertModel: Bert;
  BertForMaskedLM: BertForMaskedLanguageModeling;
  BertForSequenceClassification: BertForSequenceClassification;
}[Architecture];
export type AnyBertModel = BertModelFor<BertArchitecture>;

/**
 * `architectures` entries and the head Tessera builds for them. BertForPreTraining is BERT's
 * original checkpoint (bert-base-uncased and friends): its masked-LM head is used, its
 * next-sentence head is reported unused, as transformers' BertForMaskedLM does.
 */
const architectureOfHuggingFaceClass: Record<string, BertArchitecture> = {
  BertModel: 'BertModel',
  BertForMaskedLM: 'BertForMaskedLM',
  BertForPreTraining: 'BertForMaskedLM',
  BertForSequenceClassification: 'BertForSequenceClassification',
};

/**
 * The head to build: `requested` when given, else the first supported entry of config.json's
 * `architectures`, else the bare encoder (as transformers' AutoModel). `declared` says whether the
 * checkpoint itself claims that head, and so must hold all of its weights.
 */
export function chooseBertArchitecture(
  config: BertHuggingFaceConfig,
  requested?: BertArchitecture,
): { architecture: BertArchitecture; declared: boolean } {
  const listed = Array.isArray(config.architectures) ? config.architectures : [];
  const declaredArchitectures = listed.flatMap((name) => {
    const architecture = architectureOfHuggingFaceClass[name];
    return architecture === undefined ? [] : [architecture];
  });
  if (requested !== undefined) {
    if (!bertArchitectures.includes(requested)) {
      throw new TesseraError(
        'E_HF_ARCHITECTURE',
        `architecture '${requested}' is not supported; supported: ${bertArchitectures.join(', ')}`,
      );
    }
    return { architecture: requested, declared: declaredArchitectures.includes(requested) };
  }
  const [first] = declaredArchitectures;
  if (first !== undefined) return { architecture: first, declared: true };
  if (listed.length === 0) return { architecture: 'BertModel', declared: true };
  throw new TesseraError(
    'E_HF_ARCHITECTURE',
    `config.json's architectures ${JSON.stringify(listed)} name no supported BERT head ` +
      `(supported: ${Object.keys(architectureOfHuggingFaceClass).join(', ')}); ` +
      `pass { architecture: 'BertModel' } to load the encoder alone`,
  );
}

/** The Hugging Face class a Tessera BERT model exports as. */
export function bertArchitectureOf(model: AnyBertModel): BertArchitecture {
  if (model instanceof BertForMaskedLanguageModeling) return 'BertForMaskedLM';
  if (model instanceof BertForSequenceClassification) return 'BertForSequenceClassification';
  return 'BertModel';
}

/** Hugging Face's BertConfig defaults, used for fields config.json leaves out (as transformers does). */
const defaults = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
} as const;

function positiveInteger(config: BertHuggingFaceConfig, field: keyof typeof defaults): number {
  const value = config[field] ?? defaults[field];
  if (!(Number.isInteger(value) && (value as number) > 0)) {
    throw new TesseraError('E_HF_CONFIG', `bert ${field} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

export function bertConfigFromHuggingFace(config: BertHuggingFaceConfig): BertConfig {
  // transformers' "gelu" is the exact, erf-based GELU, which is what Tessera's BERT computes.
  const activation = config.hidden_act ?? defaults.hidden_act;
  if (activation !== 'gelu') {
    throw new TesseraError(
      'E_HF_CONFIG',
      `bert hidden_act ${JSON.stringify(activation)} is not supported (supported: gelu, the exact erf GELU)`,
    );
  }
  const positions = config.position_embedding_type ?? 'absolute';
  if (positions !== 'absolute') {
    throw new TesseraError(
      'E_HF_CONFIG',
      `bert position_embedding_type '${positions}' is not supported (supported: absolute)`,
    );
  }
  if (config.is_decoder === true || config.add_cross_attention === true) {
    throw new TesseraError('E_HF_CONFIG', 'a bert decoder (is_decoder / add_cross_attention) is not supported');
  }
  const hiddenSize = positiveInteger(config, 'hidden_size');
  const headCount = positiveInteger(config, 'num_attention_heads');
  if (hiddenSize % headCount !== 0) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `bert hidden_size ${hiddenSize} is not divisible by num_attention_heads ${headCount}`,
    );
  }
  const epsilon = config.layer_norm_eps ?? defaults.layer_norm_eps;
  const dropout = config.hidden_dropout_prob ?? defaults.hidden_dropout_prob;
  if (!(epsilon > 0) || !(dropout >= 0 && dropout < 1)) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `bert layer_norm_eps must be > 0 and hidden_dropout_prob in [0, 1), got ${epsilon} and ${dropout}`,
    );
  }
  return {
    vocabularySize: positiveInteger(config, 'vocab_size'),
    hiddenSize,
    layerCount: positiveInteger(config, 'num_hidden_layers'),
    headCount,
    intermediateSize: positiveInteger(config, 'intermediate_size'),
    maxPositions: positiveInteger(config, 'max_position_embeddings'),
    typeVocabularySize: positiveInteger(config, 'type_vocab_size'),
    // Tessera's BERT has one dropout rate; hidden_dropout_prob is the one on the residual stream.
    dropout,
    layerNormEpsilon: epsilon,
  };
}

/** Labels of a sequence classifier: id2label's size (what transformers derives num_labels from), else num_labels, else 2. */
export function bertLabelCount(config: BertHuggingFaceConfig): number {
  const fromLabels = config.id2label === undefined ? undefined : Object.keys(config.id2label).length;
  const count = fromLabels ?? config.num_labels ?? (config._num_labels as number | undefined) ?? 2;
  if (!(Number.isInteger(count) && count > 0)) {
    throw new TesseraError('E_HF_CONFIG', `bert num_labels must be a positive integer, got ${JSON.stringify(count)}`);
  }
  return count;
}

/**
 * config.json for a Tessera BERT: the fields `original` had (so unknown ones survive a round trip),
 * with the architecture and every field the model depends on overwritten from `config`.
 */
export function bertConfigToHuggingFace(
  config: BertConfig,
  architecture: BertArchitecture,
  original: Partial<BertHuggingFaceConfig> = {},
  labelCount?: number,
): BertHuggingFaceConfig {
  const exported: BertHuggingFaceConfig = {
    ...original,
    architectures: [architecture],
    model_type: 'bert',
    vocab_size: config.vocabularySize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.layerCount,
    num_attention_heads: config.headCount,
    intermediate_size: config.intermediateSize,
    hidden_act: 'gelu',
    hidden_dropout_prob: config.dropout,
    attention_probs_dropout_prob: config.dropout,
    max_position_embeddings: config.maxPositions,
    type_vocab_size: config.typeVocabularySize,
    layer_norm_eps: config.layerNormEpsilon,
    position_embedding_type: 'absolute',
  };
  if (labelCount !== undefined) {
    // Keep the label names when they still fit; otherwise transformers' defaults LABEL_0, LABEL_1, …
    if (original.id2label === undefined || Object.keys(original.id2label).length !== labelCount) {
      const labels = Array.from({ length: labelCount }, (_, i) => `LABEL_${i}`);
      exported.id2label = Object.fromEntries(labels.map((label, i) => [String(i), label]));
      exported.label2id = Object.fromEntries(labels.map((label, i) => [label, i]));
    }
    if ('num_labels' in original) exported.num_labels = labelCount;
  }
  return exported;
}

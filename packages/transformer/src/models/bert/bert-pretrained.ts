import { join } from 'node:path';
import {
  loadSafetensors,
  type RandomGenerator,
  saveSafetensors,
  TesseraError,
  tf,
  writeTextFileAtomically,
} from '@tessera/core';
import {
  type HuggingFaceArchitecture,
  registerHuggingFaceArchitecture,
} from '../../hugging-face/hugging-face-architectures.js';
import { Bert, BertForMaskedLanguageModeling, BertForSequenceClassification } from './bert.js';
import type { BertConfig } from './bert-config.js';
import {
  type AnyBertModel,
  type BertArchitecture,
  type BertHuggingFaceConfig,
  type BertModelFor,
  bertArchitectureOf,
  bertConfigFromHuggingFace,
  bertConfigToHuggingFace,
  bertLabelCount,
  chooseBertArchitecture,
} from './bert-hugging-face-config.js';
import { bertStateToTessera, tesseraStateToBert } from './bert-hugging-face-weights.js';
import { BertTokenizer } from './bert-tokenizer.js';
import { loadBertTokenizer, saveBertTokenizer } from './bert-tokenizer-files.js';

/** A BERT loaded from a Hugging Face directory; `architecture` tells which Tessera model `model` is. */
export type PretrainedBert = {
  [Architecture in BertArchitecture]: {
    modelType: 'bert';
    architecture: Architecture;
    model: BertModelFor<Architecture>;
    /** The directory's config.json as read, kept so an export writes it back unchanged. */
    huggingFaceConfig: Record<string, unknown>;
    /** From `vocab.txt` (+ `tokenizer_config.json`) or a WordPiece `tokenizer.json`, when present. */
    tokenizer: BertTokenizer | undefined;
    /** Checkpoint tensors the model does not use: another task's head, BERT's next-sentence head. */
    unusedWeights: string[];
    /** Hugging Face names of weights the checkpoint lacked, freshly initialised (a new classifier, say). */
    newlyInitializedWeights: string[];
  };
}[BertArchitecture];

export interface BertLoadOptions {
  /** The head to build instead of the one config.json's `architectures` names. */
  architecture?: BertArchitecture;
  /** Labels of a BertForSequenceClassification; default: config.json's id2label size, else num_labels, else 2. */
  labelCount?: number;
  /** Initialises weights the checkpoint lacks; default the global generator (see `setGlobalSeed`). */
  random?: RandomGenerator;
}

function buildBert(architecture: BertArchitecture, config: BertConfig, labelCount: number, random?: RandomGenerator) {
  const options = random === undefined ? {} : { random };
  if (architecture === 'BertForMaskedLM') return new BertForMaskedLanguageModeling(config, options);
  if (architecture === 'BertForSequenceClassification')
    return new BertForSequenceClassification(config, labelCount, options);
  return new Bert(config, options);
}

/** See `loadPretrained`: builds the head `architecture` names and loads the checkpoint into it. */
export async function loadBertPretrained(
  directory: string,
  huggingFaceConfig: Record<string, unknown>,
  options: BertLoadOptions = {},
): Promise<PretrainedBert> {
  const bertHuggingFaceConfig = huggingFaceConfig as BertHuggingFaceConfig;
  const config = bertConfigFromHuggingFace(bertHuggingFaceConfig);
  const { architecture, declared } = chooseBertArchitecture(bertHuggingFaceConfig, options.architecture);
  const labelCount = options.labelCount ?? bertLabelCount(bertHuggingFaceConfig);
  if (!(Number.isInteger(labelCount) && labelCount > 0)) {
    throw new TesseraError('E_HF_OPTION', `labelCount must be a positive integer, got ${labelCount}`);
  }
  const { tensors } = await loadSafetensors(join(directory, 'model.safetensors'));
  const model = buildBert(architecture, config, labelCount, options.random);
  try {
    const { state, newlyInitialized, unused } = await bertStateToTessera(tensors, model, architecture, declared);
    try {
      // Completeness and shapes were checked by name above; what is absent keeps its initialisation.
      model.loadStateDict(state, { strict: false });
    } finally {
      tf.dispose(Object.values(state));
    }
    model.eval(); // as transformers' from_pretrained: dropout off until training turns it on
    return {
      modelType: 'bert',
      architecture,
      model,
      huggingFaceConfig,
      tokenizer: await loadBertTokenizer(directory),
      unusedWeights: unused,
      newlyInitializedWeights: newlyInitialized,
    } as PretrainedBert;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** See `savePretrained`: the BERT's Hugging Face class follows from the Tessera model's class. */
export async function saveBertPretrained(
  model: AnyBertModel,
  directory: string,
  options: { huggingFaceConfig?: Record<string, unknown>; tokenizer?: BertTokenizer },
): Promise<void> {
  const architecture = bertArchitectureOf(model);
  const labelCount = model instanceof BertForSequenceClassification ? model.classifier.outFeatures : undefined;
  const config = bertConfigToHuggingFace(
    'bert' in model ? model.bert.config : model.config,
    architecture,
    options.huggingFaceConfig as Partial<BertHuggingFaceConfig> | undefined,
    labelCount,
  );
  const tensors = tesseraStateToBert(model, architecture);
  try {
    await saveSafetensors(join(directory, 'model.safetensors'), tensors, { metadata: { format: 'pt' } });
  } finally {
    tf.dispose(Object.values(tensors));
  }
  await writeTextFileAtomically(join(directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (options.tokenizer !== undefined) await saveBertTokenizer(options.tokenizer, directory);
}

/**
 * `model_type: bert` ↔ `Bert`, `BertForMaskedLanguageModeling` or `BertForSequenceClassification`
 * (config.json's `architectures` picks the head), with the WordPiece `BertTokenizer`.
 */
export const bertHuggingFaceArchitecture: HuggingFaceArchitecture<AnyBertModel, BertTokenizer, BertLoadOptions> = {
  modelType: 'bert',
  isModel: (model): model is AnyBertModel =>
    model instanceof Bert ||
    model instanceof BertForMaskedLanguageModeling ||
    model instanceof BertForSequenceClassification,
  tokenizerClass: BertTokenizer,
  load: loadBertPretrained,
  save: saveBertPretrained,
};

registerHuggingFaceArchitecture(bertHuggingFaceArchitecture);

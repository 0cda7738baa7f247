import { TesseraError, tf } from '@tessera/core';
import type { AnyBertModel, BertArchitecture } from './bert-hugging-face-config.js';

/**
 * How a Hugging Face tensor becomes a Tessera one. torch's Linear stores weights [out, in] and
 * Tessera's [in, out], so Linear weights are transposed; Tessera fuses query, key and value into
 * one [hidden, 3·hidden] projection, so those are slices (`part` 0, 1, 2) of it.
 */
type Conversion = 'copy' | 'transpose' | { part: 0 | 1 | 2 };

/**
 * What a weight belongs to, which decides what happens when a checkpoint lacks it: the encoder is
 * always required; a head (and a classifier's pooler) is required when config.json declares that
 * head, else initialised afresh; `optional` is loaded when present (BertForMaskedLM has no pooler
 * in transformers, but BERT's original checkpoints carry one).
 */
type Role = 'encoder' | 'head' | 'optional';

interface Correspondence {
  /** Hugging Face's name, always with the `bert.` prefix of the task models. */
  huggingFace: string;
  tessera: string;
  conversion: Conversion;
  role: Role;
}

/** Every weight of `architecture` with its Hugging Face name. */
function correspondences(architecture: BertArchitecture, layerCount: number): Correspondence[] {
  const prefix = architecture === 'BertModel' ? '' : 'bert.';
  const list: Correspondence[] = [];
  const add = (huggingFace: string, tessera: string, conversion: Conversion, role: Role) =>
    list.push({ huggingFace, tessera, conversion, role });
  const linear = (huggingFace: string, tessera: string, role: Role) => {
    add(`${huggingFace}.weight`, `${tessera}.weight`, 'transpose', role);
    add(`${huggingFace}.bias`, `${tessera}.bias`, 'copy', role);
  };
  const norm = (huggingFace: string, tessera: string, role: Role) => {
    add(`${huggingFace}.weight`, `${tessera}.weight`, 'copy', role);
    add(`${huggingFace}.bias`, `${tessera}.bias`, 'copy', role);
  };
  add('bert.embeddings.word_embeddings.weight', `${prefix}wordEmbedding.weight`, 'copy', 'encoder');
  add('bert.embeddings.position_embeddings.weight', `${prefix}positionEmbedding.weight`, 'copy', 'encoder');
  add('bert.embeddings.token_type_embeddings.weight', `${prefix}tokenTypeEmbedding.weight`, 'copy', 'encoder');
  norm('bert.embeddings.LayerNorm', `${prefix}embeddingNorm`, 'encoder');
  for (let i = 0; i < layerCount; i++) {
    const layer = `bert.encoder.layer.${i}`;
    const tessera = `${prefix}layers.${i}`;
    (['query', 'key', 'value'] as const).forEach((name, part) => {
      const conversion = { part: part as 0 | 1 | 2 };
      add(`${layer}.attention.self.${name}.weight`, `${tessera}.attention.queryKeyValue.weight`, conversion, 'encoder');
      add(`${layer}.attention.self.${name}.bias`, `${tessera}.attention.queryKeyValue.bias`, conversion, 'encoder');
    });
    linear(`${layer}.attention.output.dense`, `${tessera}.attention.output`, 'encoder');
    norm(`${layer}.attention.output.LayerNorm`, `${tessera}.attentionNorm`, 'encoder');
    linear(`${layer}.intermediate.dense`, `${tessera}.intermediate`, 'encoder');
    linear(`${layer}.output.dense`, `${tessera}.output`, 'encoder');
    norm(`${layer}.output.LayerNorm`, `${tessera}.outputNorm`, 'encoder');
  }
  if (architecture === 'BertForMaskedLM') {
    linear('bert.pooler.dense', 'bert.pooler', 'optional');
    linear('cls.predictions.transform.dense', 'transform', 'head');
    norm('cls.predictions.transform.LayerNorm', 'transformNorm', 'head');
    add('cls.predictions.bias', 'decoderBias', 'copy', 'head');
  } else {
    linear('bert.pooler.dense', `${prefix}pooler`, architecture === 'BertModel' ? 'optional' : 'head');
  }
  if (architecture === 'BertForSequenceClassification') linear('classifier', 'classifier', 'head');
  return list;
}

/**
 * Checkpoint names in one spelling: `bert.` in front of a bare BertModel's names, and LayerNorm's
 * `weight`/`bias` for the `gamma`/`beta` of checkpoints converted from TensorFlow. Maps the
 * normalised name to the name in the file, for error messages.
 */
export function normalizeBertNames(names: Iterable<string>): Map<string, string> {
  const normalized = new Map<string, string>();
  for (const name of names) {
    let canonical = name
      .replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight')
      .replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
    if (/^(embeddings|encoder|pooler)\./.test(canonical)) canonical = `bert.${canonical}`;
    const earlier = normalized.get(canonical);
    if (earlier !== undefined) {
      throw new TesseraError('E_HF_WEIGHTS', `'${earlier}' and '${name}' are the same bert weight; keep one of them`);
    }
    normalized.set(canonical, name);
  }
  return normalized;
}

/** Expected Hugging Face shape of a weight, from the Tessera parameter it becomes. */
function huggingFaceShape(tesseraShape: number[], conversion: Conversion): number[] {
  if (conversion === 'copy') return tesseraShape;
  if (conversion === 'transpose') return [...tesseraShape].reverse();
  const [rows, columns] = tesseraShape as [number, number | undefined];
  return columns === undefined ? [rows / 3] : [columns / 3, rows]; // a [hidden, hidden] slice, [out, in]
}

export interface BertStateConversion {
  /** Tessera names → tensors, for `model.loadStateDict(state, { strict: false })`; the caller disposes them. */
  state: Record<string, tf.Tensor>;
  /** Hugging Face names of weights the model has but the checkpoint lacks; they keep their fresh initialisation. */
  newlyInitialized: string[];
  /** Checkpoint names the model does not use (another head, or BERT's next-sentence head). */
  unused: string[];
}

/**
 * Converts a Hugging Face BERT checkpoint into `model`'s state. Every encoder weight must be
 * present; head weights too when `declared` (config.json names this head). Shapes are checked
 * against the model, so a config.json that does not belong to the weights fails naming every
 * differing tensor. The masked-LM decoder, tied to the word embeddings, is checked equal to them.
 */
export async function bertStateToTessera(
  checkpoint: Record<string, tf.Tensor>,
  model: AnyBertModel,
  architecture: BertArchitecture,
  declared: boolean,
): Promise<BertStateConversion> {
  const names = normalizeBertNames(Object.keys(checkpoint));
  const tensorOf = (canonical: string) => checkpoint[names.get(canonical) as string] as tf.Tensor;
  const parameters = new Map(model.namedParameters().map(([name, variable]) => [name, variable.shape]));
  const list = correspondences(architecture, layerCountOf(model));

  const missing: string[] = [];
  const mismatched: string[] = [];
  const newlyInitialized: string[] = [];
  const present: Correspondence[] = [];
  for (const entry of list) {
    const shape = parameters.get(entry.tessera);
    if (shape === undefined) throw new Error(`internal: ${architecture} has no parameter '${entry.tessera}'`);
    const expected = huggingFaceShape(shape, entry.conversion);
    if (!names.has(entry.huggingFace)) {
      if (entry.role === 'encoder' || (entry.role === 'head' && declared)) missing.push(entry.huggingFace);
      else if (entry.role === 'head' || architecture !== 'BertForMaskedLM') newlyInitialized.push(entry.huggingFace);
      continue;
    }
    const actual = tensorOf(entry.huggingFace).shape;
    if (!tf.util.arraysEqual(actual, expected)) {
      mismatched.push(`${names.get(entry.huggingFace)} is [${actual}], expected [${expected}]`);
      continue;
    }
    present.push(entry);
  }
  if (missing.length + mismatched.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.join(', ')}` : '',
      mismatched.length > 0 ? `shape mismatch: ${mismatched.join('; ')}` : '',
    ].filter((part) => part !== '');
    throw new TesseraError(
      'E_HF_WEIGHTS',
      `the checkpoint does not fit ${architecture} as config.json describes it: ${parts.join('; ')}. ` +
        'Check that config.json and model.safetensors belong together.',
    );
  }

  const used = new Set(present.map((entry) => entry.huggingFace));
  const unused: string[] = [];
  for (const canonical of names.keys()) {
    if (used.has(canonical)) continue;
    // Buffers older transformers saved; derived from the config, not learnt.
    if (canonical === 'bert.embeddings.position_ids' || canonical === 'bert.embeddings.token_type_ids') continue;
    if (architecture === 'BertForMaskedLM' && canonical.startsWith('cls.predictions.decoder.')) {
      await checkTied(
        canonical,
        tensorOf(canonical),
        tensorOf(canonical.endsWith('.weight') ? 'bert.embeddings.word_embeddings.weight' : 'cls.predictions.bias'),
      );
      continue;
    }
    // Weights of other heads sit outside `bert.`; anything unknown inside it is not BERT.
    if (canonical.startsWith('bert.')) {
      throw new TesseraError(
        'E_HF_WEIGHTS',
        `unexpected tensor '${names.get(canonical)}' in a bert checkpoint; is config.json's model_type right?`,
      );
    }
    unused.push(names.get(canonical) as string);
  }

  const state = tf.tidy(() => {
    const converted: Record<string, tf.Tensor> = {};
    const fused = new Map<string, tf.Tensor[]>();
    for (const entry of present) {
      const tensor = tensorOf(entry.huggingFace);
      if (entry.conversion === 'copy') converted[entry.tessera] = tf.clone(tensor);
      else if (entry.conversion === 'transpose') converted[entry.tessera] = tf.transpose(tensor);
      else {
        const parts = fused.get(entry.tessera) ?? [];
        parts[entry.conversion.part] = tensor.rank === 2 ? tf.transpose(tensor) : tensor; // [in, out]
        fused.set(entry.tessera, parts);
      }
    }
    // [hidden, 3·hidden]: query, key, value side by side, as MultiHeadSelfAttention slices them.
    for (const [name, parts] of fused) converted[name] = tf.concat(parts, (parts[0] as tf.Tensor).rank - 1);
    return converted;
  });
  return { state, newlyInitialized, unused };
}

const layerCountOf = (model: AnyBertModel) => ('bert' in model ? model.bert : model).config.layerCount;

/** A checkpoint's copy of a tied tensor must equal the tensor it is tied to. */
async function checkTied(name: string, copy: tf.Tensor, tiedTo: tf.Tensor | undefined): Promise<void> {
  const equal =
    tiedTo !== undefined &&
    tf.util.arraysEqual(copy.shape, tiedTo.shape) &&
    tf.tidy(() => tf.max(tf.abs(tf.sub(copy, tiedTo)))).dataSync()[0] === 0;
  if (!equal) {
    throw new TesseraError(
      'E_HF_WEIGHTS',
      `${name} differs from the tensor it is tied to; Tessera's BertForMaskedLanguageModeling ties its decoder ` +
        'to the word embeddings and its bias to cls.predictions.bias',
    );
  }
}

/**
 * A Tessera BERT's state under Hugging Face's names, ready for safetensors: no `bert.` prefix for a
 * BertModel, no pooler for a BertForMaskedLM (transformers' has none), tied decoder tensors left out
 * (as transformers' save_pretrained does). The tensors are new: the caller disposes them.
 */
export function tesseraStateToBert(model: AnyBertModel, architecture: BertArchitecture): Record<string, tf.Tensor> {
  const parameters = new Map<string, tf.Tensor>(model.namedParameters());
  const list = correspondences(architecture, layerCountOf(model)).filter(
    (entry) => !(architecture === 'BertForMaskedLM' && entry.role === 'optional'),
  );
  const covered = new Set(correspondences(architecture, layerCountOf(model)).map((entry) => entry.tessera));
  const uncovered = [...parameters.keys()].filter((name) => !covered.has(name));
  if (uncovered.length > 0) {
    throw new TesseraError(
      'E_HF_WEIGHTS',
      `${uncovered.join(', ')} have no ${architecture} counterpart; ` +
        'for LoRA adapters, fold them in first with unloadLoRA(model, { merge: true })',
    );
  }
  return tf.tidy(() => {
    const exported: Record<string, tf.Tensor> = {};
    for (const entry of list) {
      const parameter = parameters.get(entry.tessera) as tf.Tensor;
      const name = architecture === 'BertModel' ? entry.huggingFace.slice('bert.'.length) : entry.huggingFace;
      if (entry.conversion === 'copy') exported[name] = tf.clone(parameter);
      else if (entry.conversion === 'transpose')
        exported[name] = tf.transpose(parameter); // [out, in]
      else {
        const width = (parameter.shape.at(-1) as number) / 3;
        const slice =
          parameter.rank === 2
            ? tf.slice(parameter, [0, entry.conversion.part * width], [-1, width])
            : tf.slice(parameter, [entry.conversion.part * width], [width]);
        exported[name] = parameter.rank === 2 ? tf.transpose(slice) : slice;
      }
    }
    return exported;
  });
}

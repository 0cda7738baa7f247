import {
  Dropout,
  getGlobalRandom,
  kaimingUniform,
  Linear,
  Module,
  type RandomGenerator,
  TesseraError,
  tf,
  zeros,
} from '@tessera/core';

/** The shape of a low-rank adapter (Hu et al. 2021, "LoRA"). */
export interface LoRALinearOptions {
  /** r: the rank of the update A·B; a positive integer (PEFT's `r`, default there 8). */
  rank: number;
  /** α: the update is scaled by α / r, so the learning rate need not be retuned when r changes. */
  alpha: number;
  /** Dropout on the adapter's input only, never on the frozen path (PEFT's `lora_dropout`; default 0). */
  dropout?: number;
  /** Generator for A's initial values and the dropout masks; default the global one. */
  random?: RandomGenerator;
}

/**
 * Throws E_LORA_CONFIG unless the options describe a valid adapter. Callers that change a model
 * check first, so a bad option never leaves a model half wrapped.
 */
export function validateLoRAOptions(options: LoRALinearOptions): void {
  const { rank, alpha, dropout = 0 } = options;
  if (!Number.isInteger(rank) || rank <= 0) {
    throw new TesseraError('E_LORA_CONFIG', `rank must be a positive integer, got ${rank}; typical values are 4–64`);
  }
  if (!(Number.isFinite(alpha) && alpha > 0)) {
    throw new TesseraError(
      'E_LORA_CONFIG',
      `alpha must be a positive number, got ${alpha}; alpha = rank scales the update by 1`,
    );
  }
  if (!(dropout >= 0 && dropout < 1)) {
    throw new TesseraError('E_LORA_CONFIG', `dropout must be in [0, 1), got ${dropout}`);
  }
}

/**
 * The trainable half of LoRA: x ↦ dropout(x)·A·B·(α / r). A is initialised as PyTorch PEFT does
 * (`kaiming_uniform_(a=√5)`, i.e. U(±1/√in)) and B to zeros, so the update starts at exactly zero
 * and the wrapped model starts as the base model; B then learns first, and A once B is non-zero.
 */
export class LoRAAdapter extends Module<[tf.Tensor], tf.Tensor> {
  readonly a: tf.Variable; // [in, rank]
  readonly b: tf.Variable; // [rank, out]
  readonly dropout: Dropout;
  /** α / r. */
  readonly scaling: number;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LoRALinearOptions,
  ) {
    super();
    validateLoRAOptions(options);
    const random = options.random ?? getGlobalRandom();
    this.scaling = options.alpha / options.rank;
    // Kaiming-uniform with negative slope a = √5 has gain √(2 / (1 + a²)) = √(1/3); the fan-in of
    // A [in, rank] is `in`, so the bound is √(1/3)·√(3 / in) = 1/√in, as in PEFT.
    this.a = this.registerParameter(
      'a',
      kaimingUniform({ gain: Math.sqrt(2 / (1 + 5)) })([inFeatures, options.rank], random),
    );
    this.b = this.registerParameter('b', zeros()([options.rank, outFeatures], random));
    this.dropout = this.registerModule('dropout', new Dropout(options.dropout ?? 0, { random }));
  }

  /** The update for x [..., in]: [..., out]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const leading = x.shape.slice(0, -1); // [...batch]
      const flat = this.dropout.forward(tf.reshape(x, [-1, this.inFeatures])); // [rows, in]
      const reduced = tf.matMul(flat as tf.Tensor2D, this.a as tf.Tensor2D); // [rows, rank]
      const update = tf.mul(tf.matMul(reduced, this.b as tf.Tensor2D), this.scaling); // [rows, out]
      return tf.reshape(update, [...leading, this.outFeatures]);
    });
  }

  /** The update as a weight: A·B·(α / r), [in, out], the caller's to dispose. */
  deltaWeight(): tf.Tensor2D {
    return tf.tidy(() => tf.mul(tf.matMul(this.a as tf.Tensor2D, this.b as tf.Tensor2D), this.scaling));
  }
}

/**
 * A Linear with a low-rank adapter beside it: y = base(x) + dropout(x)·A·B·(α / r). The base keeps
 * its own parameters under `base` and the adapter its under `lora`, so a wrapped layer at
 * `blocks.0.attention.queryKeyValue` has the parameters
 *
 *   blocks.0.attention.queryKeyValue.base.weight   [in, out]   the pretrained weight (frozen)
 *   blocks.0.attention.queryKeyValue.base.bias     [out]       the pretrained bias (frozen)
 *   blocks.0.attention.queryKeyValue.lora.a        [in, rank]  (PEFT: lora_A.default.weight, transposed)
 *   blocks.0.attention.queryKeyValue.lora.b        [rank, out] (PEFT: lora_B.default.weight, transposed)
 *
 * `merge()` folds the update into the base weight for inference at the base layer's cost;
 * `unmerge()` takes it back out to train further. `inFeatures`, `outFeatures`, `weight` and
 * `bias` mirror the base Linear's, so code that reads them from a wrapped layer keeps working.
 */
export class LoRALinear extends Module<[tf.Tensor], tf.Tensor> {
  readonly base: Linear;
  readonly lora: LoRAAdapter;
  readonly inFeatures: number;
  readonly outFeatures: number;
  private isMerged = false;
  /** The adapter's trainable flags before merge, restored by unmerge. */
  private trainableBeforeMerge: boolean[] = [];

  /** Wraps `base` (which it then owns: disposing this disposes it) with a fresh adapter. */
  constructor(base: Linear, options: LoRALinearOptions) {
    super();
    if (!(base instanceof Linear)) {
      throw new TesseraError('E_LORA_TARGET', `LoRALinear wraps a Linear, got ${describe(base)}`);
    }
    this.inFeatures = base.inFeatures;
    this.outFeatures = base.outFeatures;
    this.base = this.registerModule('base', base);
    this.lora = this.registerModule('lora', new LoRAAdapter(base.inFeatures, base.outFeatures, options));
  }

  /** The base weight [in, out]; it includes the update while merged. */
  get weight(): tf.Variable {
    return this.base.weight;
  }

  get bias(): tf.Variable | undefined {
    return this.base.bias;
  }

  /** Whether the update is folded into the base weight (forward then skips the adapter). */
  get merged(): boolean {
    return this.isMerged;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (this.isMerged) return this.base.forward(x);
    return tf.tidy(() => tf.add(this.base.forward(x), this.lora.forward(x))); // [..., out]
  }

  /**
   * Adds A·B·(α / r) into the base weight, so forward costs what the base layer does. Merged
   * output equals unmerged output up to float rounding (dropout aside, which merging drops, as
   * in PEFT: merge for inference). While merged the adapter takes no part in forward, so it is
   * frozen too: training then fails with E_GRADIENTS_NONE instead of silently learning nothing.
   * Returns false, changing nothing, when already merged.
   */
  merge(): boolean {
    if (this.isMerged) return false;
    tf.tidy(() => this.base.weight.assign(tf.add(this.base.weight, this.lora.deltaWeight())));
    this.trainableBeforeMerge = this.lora.parameters().map((variable) => variable.trainable);
    for (const variable of this.lora.parameters()) variable.trainable = false;
    this.isMerged = true;
    return true;
  }

  /**
   * Subtracts the update back out of the base weight (restoring it up to float rounding, about
   * 1e-7 relative) and the adapter's trainable flags, so it can be trained further. Returns false
   * when not merged.
   */
  unmerge(): boolean {
    if (!this.isMerged) return false;
    tf.tidy(() => this.base.weight.assign(tf.sub(this.base.weight, this.lora.deltaWeight())));
    this.lora.parameters().forEach((variable, index) => {
      variable.trainable = this.trainableBeforeMerge[index] ?? true;
    });
    this.isMerged = false;
    return true;
  }
}

function describe(value: unknown): string {
  return typeof value === 'object' && value !== null ? value.constructor.name : String(value);
}

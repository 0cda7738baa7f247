import {
  type AnyModule,
  createRandomGenerator,
  getGlobalRandom,
  Linear,
  parameterNameMatcher,
  type RandomGenerator,
  TesseraError,
} from '@tessera/core';
import { LoRALinear, type LoRALinearOptions, validateLoRAOptions } from './lora-linear.js';

/** Which Linear layers get adapters: module paths matched as `Module.freeze` matches names. */
export type LoRATarget = string | RegExp;

/**
 * The default targets: the attention's query/key/value projection. The paper adapts the query
 * and value projections; Tessera's attention (like Hugging Face GPT-2's `c_attn`, which PEFT
 * targets for GPT-2) computes them in one fused `queryKeyValue` Linear, so that is the layer
 * wrapped, and its key columns get an update too. Matches `queryKeyValue` at any depth, the root
 * included (for a bare MultiHeadSelfAttention).
 */
export const DEFAULT_LORA_TARGETS: readonly LoRATarget[] = [/(^|\.)queryKeyValue$/];

export interface LoRAOptions extends Omit<LoRALinearOptions, 'random'> {
  /**
   * Module paths to adapt (default DEFAULT_LORA_TARGETS). A string is a glob over dotted module
   * paths — `*` within one segment, `**` across segments — that also covers everything below a
   * matching path (`'blocks.*.attention'` adapts both attention projections of every block); a
   * RegExp is tested against the path. Only Linear layers are wrapped, and every target must match
   * at least one, so a typo fails instead of silently training nothing.
   */
  targets?: readonly LoRATarget[];
  /** Seed for A's initial values and the dropout masks (ignored when `random` is given). */
  seed?: number;
  /** Generator for A's initial values and the dropout masks; default the global one. */
  random?: RandomGenerator;
}

/**
 * Adds LoRA adapters (Hu et al. 2021) to `model` in place: every Linear whose path matches a
 * target is replaced by a LoRALinear wrapping it (parameter names move from `<path>.weight` to
 * `<path>.base.weight`, adapters live at `<path>.lora.a` / `<path>.lora.b`), then every parameter
 * but the adapters is frozen, so `model.trainableParameters()` is what the optimizer should get.
 * B starts at zero, so the model's outputs are unchanged until it trains. Returns the wrapped paths.
 * Layers already wrapped by an earlier call are left as they are (and their adapters stay
 * trainable); all options are checked before anything changes.
 */
export function applyLoRA(model: AnyModule, options: LoRAOptions): string[] {
  validateLoRAOptions(options);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new TesseraError('E_LORA_CONFIG', `seed must be a safe integer, got ${options.seed}`);
  }
  const targets = options.targets ?? DEFAULT_LORA_TARGETS;
  if (targets.length === 0) {
    throw new TesseraError('E_LORA_TARGETS', 'targets is empty: name at least one Linear layer to adapt');
  }
  const candidates = adaptableLinears(model);
  const chosen = new Set<string>();
  for (const target of targets) {
    const matches = moduleMatcher(target);
    const matched = candidates.filter(([path]) => matches(path));
    if (matched.length === 0) throw noMatch(model, target, candidates);
    for (const [path] of matched) chosen.add(path);
  }
  const random =
    options.random ?? (options.seed === undefined ? getGlobalRandom() : createRandomGenerator(options.seed));
  const adapterOptions: LoRALinearOptions = {
    rank: options.rank,
    alpha: options.alpha,
    random,
    ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
  };
  // In tree order, so a seed gives every layer the same adapter whatever the order of the targets.
  const wrapped = candidates.filter(([path]) => chosen.has(path));
  for (const [path, linear] of wrapped) model.swapModule(path, new LoRALinear(linear, adapterOptions));
  model.freeze();
  for (const [, layer] of loraModules(model)) layer.lora.unfreeze();
  return wrapped.map(([path]) => path);
}

/** Every LoRA-wrapped layer in `model` with its path, in tree order. */
export function loraModules(model: AnyModule): Array<[string, LoRALinear]> {
  return model.namedModules().filter((entry): entry is [string, LoRALinear] => entry[1] instanceof LoRALinear);
}

/** Folds every adapter into its base weight (see LoRALinear.merge); returns the paths merged now. */
export function mergeLoRA(model: AnyModule): string[] {
  return requireLoRA(model, 'merge')
    .filter(([, layer]) => layer.merge())
    .map(([path]) => path);
}

/** Takes every merged adapter back out of its base weight; returns the paths unmerged now. */
export function unmergeLoRA(model: AnyModule): string[] {
  return requireLoRA(model, 'unmerge')
    .filter(([, layer]) => layer.unmerge())
    .map(([path]) => path);
}

/**
 * Removes the adapters, putting each base Linear back at its path, so parameter names are the
 * original ones again (`<path>.weight`) and the model can be saved or exported as a plain one
 * (PEFT's `merge_and_unload`). With `merge` (the default) the updates are folded in first and
 * kept; with `merge: false` they are discarded and the base weights restored. Trainable flags
 * are left as they are (everything frozen after applyLoRA): call `model.unfreeze()` to train
 * the whole model. Returns the paths unwrapped.
 */
export function unloadLoRA(model: AnyModule, options: { merge?: boolean } = {}): string[] {
  const layers = requireLoRA(model, 'unload');
  for (const [path, layer] of layers) {
    if (options.merge === false) layer.unmerge();
    else layer.merge();
    model.swapModule(path, layer.base);
    layer.lora.dispose(); // the base lives on in the model; only the adapter is freed
  }
  return layers.map(([path]) => path);
}

/** Linear layers that can take an adapter: not the root, and not already inside a LoRALinear. */
function adaptableLinears(model: AnyModule): Array<[string, Linear]> {
  const wrappedPaths = loraModules(model).map(([path]) => `${path}.`);
  return model
    .namedModules()
    .filter((entry): entry is [string, Linear] => entry[1] instanceof Linear)
    .filter(([path]) => path !== '' && !wrappedPaths.some((prefix) => path.startsWith(prefix)));
}

function moduleMatcher(target: LoRATarget): (path: string) => boolean {
  if (typeof target === 'string') return parameterNameMatcher(target);
  // A global or sticky RegExp remembers where it last matched; test each path from the start.
  return parameterNameMatcher(new RegExp(target.source, target.flags.replace(/[gy]/g, '')));
}

function noMatch(model: AnyModule, target: LoRATarget, candidates: Array<[string, Linear]>): TesseraError {
  const wrapped = loraModules(model).map(([path]) => path);
  const shown = candidates.slice(0, 24).map(([path]) => path);
  const more = candidates.length > shown.length ? `, … (${candidates.length - shown.length} more)` : '';
  return new TesseraError(
    'E_LORA_TARGETS',
    `target ${String(target)} matches no Linear layer of ${model.constructor.name}; ` +
      (candidates.length > 0 ? `Linear layers: ${shown.join(', ')}${more}` : 'it has no Linear layer to adapt') +
      (wrapped.length > 0 ? `; already wrapped: ${wrapped.join(', ')}` : '') +
      (model instanceof Linear ? '; to adapt a bare Linear, use new LoRALinear(linear, options)' : ''),
  );
}

function requireLoRA(model: AnyModule, action: string): Array<[string, LoRALinear]> {
  const layers = loraModules(model);
  if (layers.length === 0) {
    throw new TesseraError(
      'E_LORA_NONE',
      `cannot ${action}: ${model.constructor.name} has no LoRA adapters; call applyLoRA first`,
    );
  }
  return layers;
}

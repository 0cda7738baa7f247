import { type AnyModule, TesseraError, type tf } from '@tessera/core';
import { loraModules } from './apply-lora.js';

/**
 * The adapters' tensors only, by dotted name (`blocks.0.attention.queryKeyValue.lora.a`): a
 * checkpoint of a fine-tune that is a few percent of the model's size (save it with
 * saveSafetensors). The base weights come from the pretrained checkpoint; rank, alpha and targets
 * are the caller's to record beside it (PEFT keeps them in adapter_config.json). The tensors are
 * the model's own, as with stateDict: do not dispose them. Adapters are never changed by merging,
 * so this is the same merged or not.
 */
export function loraStateDict(model: AnyModule): Record<string, tf.Tensor> {
  const layers = loraModules(model);
  if (layers.length === 0) {
    throw new TesseraError('E_LORA_NONE', `${model.constructor.name} has no LoRA adapters; call applyLoRA first`);
  }
  const adapterVariables = new Set(layers.flatMap(([, layer]) => layer.lora.parameters()));
  return Object.fromEntries(model.namedParameters().filter(([, variable]) => adapterVariables.has(variable)));
}

/**
 * Loads adapters saved by loraStateDict into a model prepared the same way (same applyLoRA
 * options on the same architecture). Strict: every adapter must be present with its shape and
 * nothing else may be, or it fails listing the differences and changes nothing. The caller keeps
 * ownership of `state`. Adapters must not be merged while loading (the base weights would keep
 * the old update): unmergeLoRA first.
 */
export function loadLoRAStateDict(model: AnyModule, state: Record<string, tf.Tensor>): void {
  const expected = loraStateDict(model);
  const merged = loraModules(model).filter(([, layer]) => layer.merged);
  if (merged.length > 0) {
    throw new TesseraError(
      'E_LORA_MERGED',
      `cannot load adapters while merged (${merged.map(([path]) => path).join(', ')}); call unmergeLoRA first`,
    );
  }
  const missing = Object.keys(expected).filter((name) => !(name in state));
  const unexpected = Object.keys(state).filter((name) => !(name in expected));
  const mismatched = Object.entries(state)
    .filter(([name, value]) => name in expected && expected[name]?.shape.join() !== value.shape.join())
    .map(([name, value]) => `${name} (expected [${expected[name]?.shape}], got [${value.shape}])`);
  const problems = [
    missing.length > 0 ? `missing: ${missing.join(', ')}` : '',
    unexpected.length > 0 ? `unexpected: ${unexpected.join(', ')}` : '',
    mismatched.length > 0 ? `shape mismatch: ${mismatched.join(', ')}` : '',
  ].filter((problem) => problem !== '');
  if (problems.length > 0) {
    throw new TesseraError(
      'E_LORA_STATE',
      `adapter state does not match the model's adapters: ${problems.join('; ')}. Apply LoRA with the same rank and targets as when it was saved.`,
    );
  }
  model.loadStateDict(state, { strict: false });
}

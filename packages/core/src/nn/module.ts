import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';

/**
 * The building block of every Tessera model: a tree of named parameters (trainable tensors),
 * buffers (state that is saved but not trained, e.g. BatchNorm's running statistics) and child
 * modules. Names are dotted paths from the root (`blocks.0.attention.query.weight`), the keys of
 * `stateDict()` and of Hugging Face / PyTorch checkpoints alike.
 *
 * Subclasses register what they own in their constructor and implement `forward`:
 *
 *   class TwoLayer extends Module<[tf.Tensor2D], tf.Tensor2D> {
 *     readonly hidden = this.registerModule('hidden', new Linear(4, 8));
 *     readonly output = this.registerModule('output', new Linear(8, 2));
 *     forward(x: tf.Tensor2D) { return this.output.forward(relu(this.hidden.forward(x))); }
 *   }
 */
export abstract class Module<Inputs extends unknown[] = [tf.Tensor], Output = tf.Tensor> {
  /** Training mode: dropout active, batch statistics used. `eval()` turns it off. */
  training = true;
  private readonly ownParameters = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Tensor>();
  private readonly children = new Map<string, Module<never[], unknown>>();

  abstract forward(...inputs: Inputs): Output;

  /** Registers a parameter under `name`; the module keeps the variable it returns. */
  protected registerParameter(name: string, initialValue: tf.Tensor, trainable = true): tf.Variable {
    this.assertFreeName(name);
    const variable = tf.variable(initialValue, trainable);
    initialValue.dispose();
    this.ownParameters.set(name, variable);
    return variable;
  }

  /** Registers (or replaces) a buffer: saved in the state dict, never trained. Takes ownership. */
  protected registerBuffer(name: string, value: tf.Tensor): tf.Tensor {
    const previous = this.ownBuffers.get(name);
    if (previous === undefined) this.assertFreeName(name);
    const kept = tf.keep(value);
    if (previous !== undefined && previous !== kept) previous.dispose();
    this.ownBuffers.set(name, kept);
    return kept;
  }

  protected getBuffer(name: string): tf.Tensor {
    const buffer = this.ownBuffers.get(name);
    if (buffer === undefined) throw new TesseraError('E_MODULE_BUFFER', `no buffer named '${name}'`);
    return buffer;
  }

  /** Registers a child module under `name` and returns it. */
  protected registerModule<Child extends Module<never[], unknown>>(name: string, module: Child): Child {
    this.assertFreeName(name);
    this.children.set(name, module as unknown as Module<never[], unknown>);
    return module;
  }

  /**
   * Replaces a registered child (e.g. a new classification head); the old one is disposed. A field
   * of the same name that held the old child (the `readonly head = this.registerModule('head', …)`
   * convention) is pointed at the new one, as PyTorch's attribute assignment would.
   */
  replaceModule<Child extends Module<never[], unknown>>(name: string, module: Child): Child {
    const previous = this.children.get(name);
    if (previous === undefined) {
      throw new TesseraError(
        'E_MODULE_CHILD',
        `no child module named '${name}' to replace; children: ${[...this.children.keys()].join(', ')}`,
      );
    }
    this.children.set(name, module as unknown as Module<never[], unknown>);
    const fields = this as unknown as Record<string, unknown>;
    if (fields[name] === previous) fields[name] = module;
    previous.dispose();
    return module;
  }

  /**
   * Puts `module` at the dotted `path` below this one (`blocks.0.attention.queryKeyValue`) and
   * returns the module that was there, NOT disposed: unlike replaceModule the caller owns it, so a
   * wrapper can keep it inside the new module (LoRA wraps a Linear this way) or put it back later.
   * The parent's fields and arrays that held the old child (the `readonly head = …` convention,
   * ModuleList's and Sequential's item lists) are pointed at the new one, so forward uses it.
   */
  swapModule(path: string, module: Module<never[], unknown>): Module<never[], unknown> {
    const names = path.split('.');
    const childOf = (parent: Module<never[], unknown>, name: string): Module<never[], unknown> => {
      const child = parent.children.get(name);
      if (child !== undefined) return child;
      const children = [...parent.children.keys()].join(', ') || 'none';
      throw new TesseraError('E_MODULE_CHILD', `no module at '${path}': '${name}' is not among [${children}]`);
    };
    const last = names.pop() as string;
    const parent = names.reduce(childOf, this as unknown as Module<never[], unknown>);
    const previous = childOf(parent, last);
    parent.children.set(last, module);
    for (const [field, value] of Object.entries(parent)) {
      if (value === previous) (parent as unknown as Record<string, unknown>)[field] = module;
      if (!Array.isArray(value)) continue;
      for (let index = 0; index < value.length; index++) if (value[index] === previous) value[index] = module;
    }
    return previous;
  }

  private assertFreeName(name: string): void {
    if (name === '' || name.includes('.')) {
      throw new TesseraError('E_MODULE_NAME', `'${name}' is not a valid name: use a non-empty name without dots`);
    }
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new TesseraError('E_MODULE_NAME', `'${name}' is already registered on ${this.constructor.name}`);
    }
  }

  /** Every module in the tree, depth first, with its dotted path ('' for this one). */
  namedModules(prefix = ''): Array<[string, Module<never[], unknown>]> {
    const result: Array<[string, Module<never[], unknown>]> = [[prefix, this as unknown as Module<never[], unknown>]];
    for (const [name, child] of this.children) result.push(...child.namedModules(join(prefix, name)));
    return result;
  }

  /** Every parameter with its dotted name, in registration order. */
  namedParameters(): Array<[string, tf.Variable]> {
    return this.namedModules().flatMap(([path, module]) =>
      [...module.ownParameters].map(([name, variable]): [string, tf.Variable] => [join(path, name), variable]),
    );
  }

  /** Every buffer with its dotted name. */
  namedBuffers(): Array<[string, tf.Tensor]> {
    return this.namedModules().flatMap(([path, module]) =>
      [...module.ownBuffers].map(([name, buffer]): [string, tf.Tensor] => [join(path, name), buffer]),
    );
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, variable]) => variable);
  }

  /** The parameters an optimizer should update: those not frozen. */
  trainableParameters(): Array<[string, tf.Variable]> {
    return this.namedParameters().filter(([, variable]) => variable.trainable);
  }

  /** Number of scalar parameters: all of them, or only the trainable ones. */
  parameterCount(options: { trainableOnly?: boolean } = {}): number {
    const selected = options.trainableOnly === true ? this.trainableParameters() : this.namedParameters();
    return selected.reduce((total, [, variable]) => total + variable.size, 0);
  }

  /** Sets training mode on the whole tree. */
  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** Sets evaluation mode on the whole tree (dropout off, running statistics used). */
  eval(): this {
    return this.train(false);
  }

  /**
   * Stops training the parameters whose names match `pattern` (all when omitted). A string is a
   * glob over dotted names — `*` matches within one segment, `**` across segments — and also
   * matches everything below a matching prefix: `freeze('encoder')` freezes `encoder.**`.
   * Returns the names it froze.
   */
  freeze(pattern?: string | RegExp): string[] {
    return this.setTrainable(pattern, false);
  }

  /** Resumes training the parameters whose names match `pattern`; see `freeze`. */
  unfreeze(pattern?: string | RegExp): string[] {
    return this.setTrainable(pattern, true);
  }

  private setTrainable(pattern: string | RegExp | undefined, trainable: boolean): string[] {
    const matches = pattern === undefined ? () => true : parameterNameMatcher(pattern);
    const changed: string[] = [];
    for (const [name, variable] of this.namedParameters()) {
      if (!matches(name)) continue;
      variable.trainable = trainable;
      changed.push(name);
    }
    if (pattern !== undefined && changed.length === 0) {
      throw new TesseraError('E_MODULE_PATTERN', `no parameter name matches ${String(pattern)}`);
    }
    return changed;
  }

  /** Parameters and buffers by dotted name. The tensors are the module's own: do not dispose them. */
  stateDict(): Record<string, tf.Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values from `state` into the module's parameters and buffers (the caller keeps
   * ownership of `state`). In strict mode (the default) any missing, unexpected or shape-mismatched
   * name fails with all of them listed, and nothing is changed. Non-strict mode loads what matches
   * and reports the rest.
   */
  loadStateDict(
    state: Record<string, tf.Tensor>,
    options: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[]; mismatchedKeys: string[] } {
    const targets = new Map<string, { assign: (value: tf.Tensor) => void; shape: number[]; dtype: tf.DataType }>();
    for (const [name, variable] of this.namedParameters()) {
      targets.set(name, { assign: (value) => variable.assign(value), shape: variable.shape, dtype: variable.dtype });
    }
    for (const [path, module] of this.namedModules()) {
      for (const [name, buffer] of module.ownBuffers) {
        targets.set(join(path, name), {
          assign: (value) => module.registerBuffer(name, tf.clone(value)),
          shape: buffer.shape,
          dtype: buffer.dtype,
        });
      }
    }
    const missingKeys = [...targets.keys()].filter((name) => !(name in state));
    const unexpectedKeys = Object.keys(state).filter((name) => !targets.has(name));
    const mismatchedKeys = Object.entries(state)
      .filter(([name, value]) => {
        const target = targets.get(name);
        return target !== undefined && !tf.util.arraysEqual(target.shape, value.shape);
      })
      .map(([name, value]) => `${name} (expected [${targets.get(name)?.shape}], got [${value.shape}])`);
    if (options.strict !== false && missingKeys.length + unexpectedKeys.length + mismatchedKeys.length > 0) {
      const parts = [
        missingKeys.length > 0 ? `missing: ${missingKeys.join(', ')}` : '',
        unexpectedKeys.length > 0 ? `unexpected: ${unexpectedKeys.join(', ')}` : '',
        mismatchedKeys.length > 0 ? `shape mismatch: ${mismatchedKeys.join(', ')}` : '',
      ].filter((part) => part !== '');
      throw new TesseraError(
        'E_STATE_DICT',
        `state dict does not match ${this.constructor.name}: ${parts.join('; ')}. Pass { strict: false } to load the matching entries only.`,
      );
    }
    tf.tidy(() => {
      for (const [name, value] of Object.entries(state)) {
        const target = targets.get(name);
        if (target === undefined || !tf.util.arraysEqual(target.shape, value.shape)) continue;
        target.assign(value.dtype === target.dtype ? value : tf.cast(value, target.dtype));
      }
    });
    return { missingKeys, unexpectedKeys, mismatchedKeys };
  }

  /** Frees every parameter and buffer in the tree. */
  dispose(): void {
    for (const [, module] of this.namedModules()) {
      for (const variable of module.ownParameters.values()) variable.dispose();
      for (const buffer of module.ownBuffers.values()) buffer.dispose();
    }
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/**
 * A predicate over dotted parameter names: a RegExp, or a glob where `*` matches within one
 * segment and `**` across segments; a glob also matches every name below a matching prefix.
 */
export function parameterNameMatcher(pattern: string | RegExp): (name: string) => boolean {
  if (pattern instanceof RegExp) return (name) => pattern.test(name);
  const source = pattern
    .split('.')
    .map((segment) =>
      segment === '**'
        ? '.*'
        : segment
            .split('*')
            .map((literal) => literal.replace(/[\\^$+?()[\]{}|]/g, '\\$&'))
            .join('[^.]*'),
    )
    .join('\\.');
  const expression = new RegExp(`^${source}(\\..*)?$`);
  return (name) => expression.test(name);
}

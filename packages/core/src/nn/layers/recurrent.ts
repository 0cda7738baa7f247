import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../../errors.js';
import type { RandomGenerator } from '../../random/random-generator.js';
import { getGlobalRandom, uniform } from '../initializers.js';
import { Module } from '../module.js';

export interface RecurrentOptions {
  /** Return every step's hidden state [batch, time, hidden] (default) or only the last [batch, hidden]. */
  returnSequences?: boolean;
  random?: RandomGenerator;
}

export interface RecurrentState {
  hidden: tf.Tensor2D; // [batch, hidden]
  /** LSTM only. */
  cell?: tf.Tensor2D; // [batch, hidden]
}

/**
 * Shared by LSTM and GRU: PyTorch's parameterisation (two biases, gates stacked along the output
 * axis, U(±1/√hidden) initialisation), stored [in, gates·hidden] for x·W. The input projection of
 * every time step is one matMul before the loop; only the recurrent part runs step by step.
 */
abstract class RecurrentLayer extends Module<[tf.Tensor], tf.Tensor> {
  readonly inputWeight: tf.Variable; // [in, gates·hidden]
  readonly hiddenWeight: tf.Variable; // [hidden, gates·hidden]
  readonly inputBias: tf.Variable; // [gates·hidden]
  readonly hiddenBias: tf.Variable; // [gates·hidden]
  readonly returnSequences: boolean;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    gates: number,
    options: RecurrentOptions,
  ) {
    super();
    const random = options.random ?? getGlobalRandom();
    const bound = 1 / Math.sqrt(hiddenSize);
    const init = uniform(-bound, bound);
    this.inputWeight = this.registerParameter('inputWeight', init([inputSize, gates * hiddenSize], random));
    this.hiddenWeight = this.registerParameter('hiddenWeight', init([hiddenSize, gates * hiddenSize], random));
    this.inputBias = this.registerParameter('inputBias', init([gates * hiddenSize], random));
    this.hiddenBias = this.registerParameter('hiddenBias', init([gates * hiddenSize], random));
    this.returnSequences = options.returnSequences !== false;
  }

  /** One step: the input projection xₜ·W_ih + b_ih [batch, gates·hidden] and the previous state. */
  protected abstract cell(projectedInput: tf.Tensor2D, state: RecurrentState): RecurrentState;

  protected abstract initialState(batch: number): RecurrentState;

  /** Runs the sequence [batch, time, in]; returns the outputs and the final state. */
  run(x: tf.Tensor, state?: RecurrentState): { output: tf.Tensor; state: RecurrentState } {
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) {
      throw new TesseraError('E_LAYER_INPUT', `expected [batch, time, ${this.inputSize}], got [${x.shape}]`);
    }
    const [batch, time] = x.shape as [number, number, number];
    const projected = tf.reshape(
      tf.add(tf.matMul(tf.reshape(x, [batch * time, this.inputSize]), this.inputWeight), this.inputBias),
      [batch, time, -1],
    ); // [batch, time, gates·hidden]
    const steps = tf.unstack(projected, 1) as tf.Tensor2D[]; // time × [batch, gates·hidden]
    let current = state ?? this.initialState(batch);
    const outputs: tf.Tensor2D[] = [];
    for (const step of steps) {
      current = this.cell(step, current);
      outputs.push(current.hidden);
    }
    const output = this.returnSequences ? tf.stack(outputs, 1) : current.hidden;
    return { output, state: current };
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.run(x).output);
  }

  protected recurrentProjection(hidden: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(hidden, this.hiddenWeight), this.hiddenBias) as tf.Tensor2D; // [batch, gates·hidden]
  }
}

/**
 * Long short-term memory (Hochreiter & Schmidhuber 1997), torch.nn.LSTM's equations and gate
 * order (input, forget, cell, output): c' = f⊙c + i⊙g, h' = o⊙tanh(c').
 */
export class LSTM extends RecurrentLayer {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super(inputSize, hiddenSize, 4, options);
  }

  protected initialState(batch: number): RecurrentState {
    return { hidden: tf.zeros([batch, this.hiddenSize]), cell: tf.zeros([batch, this.hiddenSize]) };
  }

  protected cell(projectedInput: tf.Tensor2D, state: RecurrentState): RecurrentState {
    const gates = tf.add(projectedInput, this.recurrentProjection(state.hidden));
    const [input, forget, candidate, output] = tf.split(gates, 4, 1) as tf.Tensor2D[];
    const cell = tf.add(
      tf.mul(tf.sigmoid(forget as tf.Tensor2D), state.cell as tf.Tensor2D),
      tf.mul(tf.sigmoid(input as tf.Tensor2D), tf.tanh(candidate as tf.Tensor2D)),
    ) as tf.Tensor2D;
    return { hidden: tf.mul(tf.sigmoid(output as tf.Tensor2D), tf.tanh(cell)) as tf.Tensor2D, cell };
  }
}

/**
 * Gated recurrent unit (Cho et al. 2014), torch.nn.GRU's equations and gate order (reset,
 * update, new): n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)), h' = (1 − z)⊙n + z⊙h.
 */
export class GRU extends RecurrentLayer {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super(inputSize, hiddenSize, 3, options);
  }

  protected initialState(batch: number): RecurrentState {
    return { hidden: tf.zeros([batch, this.hiddenSize]) };
  }

  protected cell(projectedInput: tf.Tensor2D, state: RecurrentState): RecurrentState {
    const [inputReset, inputUpdate, inputNew] = tf.split(projectedInput, 3, 1) as tf.Tensor2D[];
    const [hiddenReset, hiddenUpdate, hiddenNew] = tf.split(
      this.recurrentProjection(state.hidden),
      3,
      1,
    ) as tf.Tensor2D[];
    const reset = tf.sigmoid(tf.add(inputReset as tf.Tensor2D, hiddenReset as tf.Tensor2D));
    const update = tf.sigmoid(tf.add(inputUpdate as tf.Tensor2D, hiddenUpdate as tf.Tensor2D));
    const candidate = tf.tanh(tf.add(inputNew as tf.Tensor2D, tf.mul(reset, hiddenNew as tf.Tensor2D)));
    const hidden = tf.add(tf.mul(tf.sub(1, update), candidate), tf.mul(update, state.hidden)) as tf.Tensor2D;
    return { hidden };
  }
}

import { Adam, createRandomGenerator, TesseraError, tf } from '@tessera/core';
import { type Callback, Trainer } from '@tessera/trainers';
import type { RatingMatrix } from '../data/rating-matrix.js';
import { type FitOptions, factorCosine, type ModelArrays, Recommender } from '../models/recommender.js';
import { DeepFM } from './deepfm.js';
import { FeatureEncoder, type FeatureEncoderJSON, type SideFeatures } from './feature-encoder.js';
import { createInteractionLoader, encodePairs } from './interaction-dataset.js';
import { type AnyRecommendationModule, MatrixFactorization } from './matrix-factorization.js';
import { implicitFeedbackTask, ratingPredictionTask } from './recommendation-tasks.js';
import { WideAndDeep } from './wide-and-deep.js';

export type NeuralArchitecture = 'matrix-factorization' | 'deepfm' | 'wide-and-deep';

export interface NeuralRecommenderOptions {
  architecture: NeuralArchitecture;
  /** 'rating' regresses ratings (MSE); 'implicit' classifies observed vs sampled pairs (BCE). Default 'implicit'. */
  objective?: 'rating' | 'implicit';
  /** Embedding (latent) dimension (default 16). */
  embeddingDimension?: number;
  /** Deep tower (DeepFM, Wide & Deep): hidden sizes (default [64, 32]) and dropout (default 0.1). */
  hiddenSizes?: number[];
  dropout?: number;
  /** Wide & Deep: crossed field pairs of the wide part. */
  crosses?: Array<[string, string]>;
  epochs?: number;
  batchSize?: number;
  /** Adam's learning rate (default 0.001) and decoupled L2 weight decay (default 0). */
  learningRate?: number;
  weightDecay?: number;
  /** Implicit: negatives per observed pair per epoch (default 4). */
  negativeSamples?: number;
  seed?: number;
}

/** The options with every default filled in (`crosses` stays optional: absent means none). */
export type ResolvedNeuralRecommenderOptions = Required<Omit<NeuralRecommenderOptions, 'crosses'>> & {
  crosses?: Array<[string, string]>;
};

export interface NeuralFitOptions extends FitOptions {
  /** Side features by user id and by item id (see movieLensSideFeatures); DeepFM and Wide & Deep use them. */
  side?: { users?: SideFeatures; items?: SideFeatures };
  /** Extra Trainer callbacks (progress bars, metrics logs, early stopping). */
  callbacks?: Callback[];
}

/**
 * A tfjs recommender — `MatrixFactorization`, `DeepFM` or `WideAndDeep` over user, item and side
 * features — trained through `Trainer` with `ratingPredictionTask` or `implicitFeedbackTask`,
 * and wrapped in the `Recommender` API (recommend, similarItems, save/load). Scores are ratings
 * (clipped) for the rating objective and logits for the implicit one.
 */
export class NeuralRecommender extends Recommender {
  readonly kind = 'neural';
  readonly options: ResolvedNeuralRecommenderOptions;
  private network: AnyRecommendationModule | undefined;
  private featureEncoder: FeatureEncoder | undefined;

  constructor(options: NeuralRecommenderOptions & { encoder?: FeatureEncoderJSON }) {
    super();
    const architectures: NeuralArchitecture[] = ['matrix-factorization', 'deepfm', 'wide-and-deep'];
    if (!architectures.includes(options.architecture)) {
      throw new TesseraError(
        'E_RECSYS_OPTION',
        `architecture must be one of ${architectures.join(', ')}, got '${options.architecture}'`,
      );
    }
    const objective = options.objective ?? 'implicit';
    if (objective !== 'rating' && objective !== 'implicit') {
      throw new TesseraError('E_RECSYS_OPTION', `objective must be 'rating' or 'implicit', got '${objective}'`);
    }
    this.options = {
      architecture: options.architecture,
      objective,
      embeddingDimension: options.embeddingDimension ?? 16,
      hiddenSizes: options.hiddenSizes ?? [64, 32],
      dropout: options.dropout ?? 0.1,
      crosses: options.crosses,
      epochs: options.epochs ?? 10,
      batchSize: options.batchSize ?? 512,
      learningRate: options.learningRate ?? 0.001,
      weightDecay: options.weightDecay ?? 0,
      negativeSamples: options.negativeSamples ?? 4,
      seed: options.seed ?? 0,
    };
    if (options.encoder !== undefined) this.featureEncoder = FeatureEncoder.fromJSON(options.encoder);
  }

  /** The tfjs module (after fit or load). */
  get model(): AnyRecommendationModule {
    if (this.network === undefined)
      throw new TesseraError('E_RECSYS_NOT_FITTED', 'NeuralRecommender is not trained yet; call fit(matrix) first');
    return this.network;
  }

  get encoder(): FeatureEncoder {
    if (this.featureEncoder === undefined)
      throw new TesseraError('E_RECSYS_NOT_FITTED', 'NeuralRecommender is not trained yet; call fit(matrix) first');
    return this.featureEncoder;
  }

  private build(matrix: RatingMatrix, encoder: FeatureEncoder): AnyRecommendationModule {
    const random = createRandomGenerator(this.options.seed);
    const { architecture, embeddingDimension, hiddenSizes, dropout } = this.options;
    // Ratings start from their mean: from 0, the bias alone needs thousands of Adam steps to get there.
    const globalMean = this.options.objective === 'rating' ? matrix.globalMean : 0;
    if (architecture === 'matrix-factorization') {
      return new MatrixFactorization(
        { userCount: matrix.userCount, itemCount: matrix.itemCount, factors: embeddingDimension },
        { random, globalMean },
      );
    }
    const fields = encoder.fieldSlots();
    if (architecture === 'deepfm') {
      return new DeepFM(
        { featureCount: encoder.featureCount, fields, embeddingDimension, hiddenSizes, dropout },
        { random, globalMean },
      );
    }
    const crossable = fields.map((slots) => {
      const field = encoder.fields.find((candidate) => candidate.name === slots.name);
      return { ...slots, offset: field?.offset ?? 0, size: field?.vocabulary.length ?? 0 };
    });
    return new WideAndDeep(
      {
        featureCount: encoder.featureCount,
        fields: crossable,
        crosses: this.options.crosses,
        embeddingDimension,
        hiddenSizes,
        dropout,
      },
      { random, globalMean },
    );
  }

  /** Trains on `matrix` (for 'implicit', interactions: see toImplicit) through Trainer. */
  async fit(matrix: RatingMatrix, fitOptions: NeuralFitOptions = {}): Promise<this> {
    this.network?.dispose();
    const encoder = FeatureEncoder.create(matrix, fitOptions.side ?? {});
    const network = this.build(matrix, encoder);
    const { loader, setEpoch } = createInteractionLoader(matrix, encoder, {
      objective: this.options.objective,
      batchSize: this.options.batchSize,
      negativeSamples: this.options.negativeSamples,
      seed: this.options.seed,
    });
    const optimizer = new Adam(network.trainableParameters(), {
      learningRate: this.options.learningRate,
      weightDecay: this.options.weightDecay,
    });
    this.epochSeconds = [];
    let started = 0;
    let lossSum = 0;
    let steps = 0;
    const timing: Callback = {
      onEpochBegin: (epoch) => {
        setEpoch(epoch);
        started = performance.now();
        lossSum = 0;
        steps = 0;
      },
      onStepEnd: (logs) => {
        lossSum += logs.loss;
        steps += 1;
      },
      onEpochEnd: (epoch) => {
        const seconds = (performance.now() - started) / 1000;
        this.epochSeconds.push(seconds);
        fitOptions.onEpochEnd?.({ epoch, seconds, loss: lossSum / Math.max(1, steps) });
      },
    };
    const trainer = new Trainer<unknown>({
      model: network,
      task: (this.options.objective === 'rating' ? ratingPredictionTask() : implicitFeedbackTask()) as never,
      optimizer,
      callbacks: [timing, ...(fitOptions.callbacks ?? [])],
    });
    try {
      await trainer.fit(loader as never, { epochs: this.options.epochs });
    } finally {
      optimizer.dispose();
    }
    network.eval();
    this.network = network;
    this.featureEncoder = encoder;
    this.trainedOn = matrix;
    return this;
  }

  /** Scores of many (user, item) index pairs, batched through the network. */
  override predictMany(userIndices: Int32Array, itemIndices: Int32Array): Float32Array {
    const matrix = this.matrix;
    const scores = new Float32Array(userIndices.length);
    const fallback = this.options.objective === 'rating' ? matrix.globalMean : 0;
    const known: number[] = [];
    for (let row = 0; row < scores.length; row++) {
      if ((userIndices[row] as number) >= 0 && (itemIndices[row] as number) >= 0) known.push(row);
      else scores[row] = fallback;
    }
    const chunk = 4096;
    for (let start = 0; start < known.length; start += chunk) {
      const rows = known.slice(start, start + chunk);
      const users = Int32Array.from(rows, (row) => userIndices[row] as number);
      const items = Int32Array.from(rows, (row) => itemIndices[row] as number);
      const values = tf.tidy(() => {
        const batch = encodePairs(this.encoder, users, items);
        return this.model.forward(batch).dataSync() as Float32Array;
      });
      rows.forEach((row, position) => {
        const value = values[position] as number;
        scores[row] = this.options.objective === 'rating' ? matrix.clip(value) : value;
      });
    }
    return scores;
  }

  predictIndex(user: number, item: number): number {
    return this.predictMany(Int32Array.of(user), Int32Array.of(item))[0] as number;
  }

  override scoreItems(user: number): Float32Array {
    const items = Int32Array.from({ length: this.matrix.itemCount }, (_, item) => item);
    return this.predictMany(new Int32Array(items.length).fill(user), items);
  }

  /** Cosine of the items' learnt vectors: item factors, or the item-id embeddings of DeepFM / Wide & Deep. */
  override itemSimilarities(item: number): Float32Array {
    const model = this.model;
    if (model instanceof MatrixFactorization) {
      return factorCosine(model.itemFactors.weight.dataSync() as Float32Array, model.itemFactors.dimension, item);
    }
    const field = this.encoder.fields.find((candidate) => candidate.name === 'item');
    if (field === undefined || !(model instanceof DeepFM || model instanceof WideAndDeep))
      return super.itemSimilarities(item);
    const dimension = model.embeddings.dimension;
    const table = model.embeddings.weight.dataSync() as Float32Array; // [features, dimension]
    // Rows offset+1 … offset+items hold the item ids (local 0 is "unknown").
    const rows = table.subarray((field.offset + 1) * dimension, (field.offset + 1 + this.matrix.itemCount) * dimension);
    return factorCosine(rows, dimension, item);
  }

  config(): Record<string, unknown> {
    return { ...this.options, encoder: this.featureEncoder?.toJSON() };
  }

  arrays(): ModelArrays {
    const arrays: ModelArrays = {};
    for (const [name, tensor] of Object.entries(this.model.stateDict())) {
      const values = tensor.dataSync();
      arrays[name] = {
        values: tensor.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
        shape: tensor.shape,
      };
    }
    return arrays;
  }

  restore(matrix: RatingMatrix, arrays: ModelArrays): void {
    const network = this.build(matrix, this.encoder);
    const state = Object.fromEntries(
      Object.entries(arrays).map(([name, array]) => [
        name,
        tf.tensor(array.values, array.shape, array.values instanceof Int32Array ? 'int32' : 'float32'),
      ]),
    );
    try {
      network.loadStateDict(state);
    } catch (error) {
      network.dispose();
      throw error;
    } finally {
      tf.dispose(Object.values(state));
    }
    network.eval();
    this.network?.dispose();
    this.network = network;
    this.trainedOn = matrix;
  }

  /** Frees the network's tensors. */
  dispose(): void {
    this.network?.dispose();
    this.network = undefined;
  }
}

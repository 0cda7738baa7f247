import {
  Activation,
  type ActivationName,
  type AnyModule,
  classificationTask,
  createDataLoader,
  type DataLoader,
  Dropout,
  datasetFromColumns,
  Linear,
  type Module,
  readCsv,
  Sequential,
  stratifiedSplit,
  subset,
  type Task,
  TesseraError,
  type tf,
} from '@tessera/core';
import { z } from 'zod';
import { ComponentRegistry } from './registry.js';

/** What a data source gives a run. */
export interface BuiltData {
  trainLoader: DataLoader<unknown, Record<string, tf.Tensor>>;
  evaluationLoader: DataLoader<unknown, Record<string, tf.Tensor>> | undefined;
  /** Sizes the model is built for. */
  inputSize: number;
  outputSize: number;
  /** Class names by index, for classification data. */
  classNames?: string[];
}

export const dataSources = new ComponentRegistry<BuiltData, { seed: number }>('data');
export const models = new ComponentRegistry<AnyModule, { inputSize: number; outputSize: number }>('model');
// biome-ignore lint/suspicious/noExplicitAny: any batch type.
export const tasks = new ComponentRegistry<Task<any, AnyModule>, Record<string, never>>('task');

const csvClassificationSchema = z.strictObject({
  kind: z.literal('csv-classification'),
  path: z.string(),
  labelColumn: z.string(),
  featureColumns: z.array(z.string()).min(1).optional(),
  validationFraction: z.number().min(0).max(0.9).default(0.2),
  batchSize: z.number().int().positive().default(32),
});

/** Integer-looking labels sort numerically, others as strings; indices follow that order. */
function encodeLabels(values: string[]): { indices: Int32Array; classNames: string[] } {
  const unique = [...new Set(values)];
  const numeric = unique.every((value) => /^-?\d+$/.test(value));
  unique.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const index = new Map(unique.map((value, position) => [value, position]));
  return { indices: Int32Array.from(values, (value) => index.get(value) as number), classNames: unique };
}

dataSources.register({
  kind: 'csv-classification',
  description: 'numeric feature columns and a label column from a CSV file with a header',
  schema: csvClassificationSchema,
  async build(config, { seed }) {
    const table = await readCsv(config.path);
    const column = (name: string) => {
      const position = table.header.indexOf(name);
      if (position < 0) {
        throw new TesseraError(
          'E_CONFIG',
          `data: column '${name}' is not in ${config.path} (columns: ${table.header.join(', ')})`,
        );
      }
      return position;
    };
    const labelPosition = column(config.labelColumn);
    const featureNames = config.featureColumns ?? table.header.filter((_, position) => position !== labelPosition);
    const featurePositions = featureNames.map(column);
    const features = new Float32Array(table.rows.length * featurePositions.length);
    table.rows.forEach((row, rowIndex) => {
      featurePositions.forEach((position, featureIndex) => {
        const text = row[position] as string;
        const value = Number(text);
        if (text.trim() === '' || !Number.isFinite(value)) {
          throw new TesseraError(
            'E_DATA_VALUE',
            `${config.path} row ${rowIndex + 2}, column '${table.header[position]}': expected a number, found ${JSON.stringify(text)}`,
          );
        }
        features[rowIndex * featurePositions.length + featureIndex] = value;
      });
    });
    const { indices, classNames } = encodeLabels(table.rows.map((row) => row[labelPosition] as string));
    const dataset = datasetFromColumns({
      features: { values: features, rowLength: featurePositions.length },
      labels: indices,
    });
    const split =
      config.validationFraction > 0
        ? stratifiedSplit(indices, config.validationFraction, seed)
        : { train: Int32Array.from(indices.keys()), test: new Int32Array(0) };
    return {
      trainLoader: createDataLoader(subset(dataset, split.train), { batchSize: config.batchSize, shuffle: true, seed }),
      evaluationLoader:
        split.test.length === 0
          ? undefined
          : createDataLoader(subset(dataset, split.test), { batchSize: Math.max(config.batchSize, 256) }),
      inputSize: featurePositions.length,
      outputSize: classNames.length,
      classNames,
    };
  },
});

models.register({
  kind: 'mlp',
  description: 'a multilayer perceptron: Linear → activation (→ dropout) per hidden layer, then Linear',
  schema: z.strictObject({
    kind: z.literal('mlp'),
    // Wider than 65,536 units is a typo or an attack, not a layer (1e9 would fail deep in tfjs).
    hiddenSizes: z.array(z.number().int().positive().max(65536)).default([64]),
    activation: z.enum(['relu', 'gelu', 'gelu-tanh', 'silu', 'tanh', 'sigmoid']).default('relu'),
    dropout: z.number().min(0).lt(1).default(0),
  }),
  build(config, { inputSize, outputSize }) {
    const layers: Array<Module<[tf.Tensor], tf.Tensor>> = [];
    let width = inputSize;
    for (const size of config.hiddenSizes) {
      layers.push(new Linear(width, size), new Activation(config.activation as ActivationName));
      if (config.dropout > 0) layers.push(new Dropout(config.dropout));
      width = size;
    }
    layers.push(new Linear(width, outputSize));
    return new Sequential(...layers);
  },
});

tasks.register({
  kind: 'classification',
  description: 'cross-entropy on batch.features → batch.labels, with accuracy',
  schema: z.strictObject({ kind: z.literal('classification'), labelSmoothing: z.number().min(0).lt(1).default(0) }),
  build(config) {
    return classificationTask({ loss: { labelSmoothing: config.labelSmoothing } });
  },
});

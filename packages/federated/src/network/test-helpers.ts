import {
  classificationTask,
  createRandomGenerator,
  datasetFromColumns,
  Linear,
  type NamedParameters,
  Sequential,
  SGD,
  tf,
} from '@tessera/core';
import selfsigned from 'selfsigned';
import { trainLocally } from '../federated-averaging/local-training.js';
import { disposeState, type ModelState } from '../federated-averaging/model-state.js';
import { deriveSeed } from '../federated-averaging/seeds.js';
import { UpdateAggregator } from '../federated-averaging/update-aggregator.js';
import { generateClientToken } from './client-authentication.js';
import { FederatedClient, type FederatedClientOptions } from './federated-client.js';

/** A self-signed certificate for localhost / 127.0.0.1, as a test CA would issue. */
export async function localhostCertificate(): Promise<{ certificate: string; privateKey: string }> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { certificate: pems.cert, privateKey: pems.private };
}

/** Three blobs in 4-D; client k draws `size` examples with its own seed. */
export function clientData(client: number, size: number) {
  const random = createRandomGenerator(100 + client);
  const features = new Float32Array(size * 4);
  const labels = new Int32Array(size);
  for (let row = 0; row < size; row++) {
    const label = random.nextInt(3);
    labels[row] = label;
    for (let column = 0; column < 4; column++) {
      features[row * 4 + column] = (column === label ? 2 : 0) + random.nextNormal();
    }
  }
  return datasetFromColumns({ features: { values: features, rowLength: 4 }, labels });
}

export function tinyModel(seed = 1): Sequential {
  return new Sequential(new Linear(4, 3, { random: createRandomGenerator(seed) }));
}

export const createOptimizer = (parameters: NamedParameters) => new SGD(parameters, { learningRate: 0.1 });

export const CLIENT_SIZES = [12, 8, 10];
export const clientIds = CLIENT_SIZES.map((_, index) => `client-${index}`);

export function clientTokens(): Record<string, string> {
  return Object.fromEntries(clientIds.map((id) => [id, generateClientToken()]));
}

/** Starts a client; `done` never rejects (it resolves with the error), so tests can await it. */
export function startClient(
  index: number,
  url: string,
  tokens: Record<string, string>,
  overrides: Partial<FederatedClientOptions<unknown, Record<string, tf.Tensor>>> = {},
) {
  const model = tinyModel(50 + index);
  const clientId = clientIds[index] as string;
  const client = new FederatedClient({
    url,
    clientId,
    token: tokens[clientId] as string,
    model,
    task: classificationTask(),
    dataset: clientData(index, CLIENT_SIZES[index] as number),
    createOptimizer,
    seed: index,
    reconnectDelaySeconds: 0.1,
    ...overrides,
  } as FederatedClientOptions<unknown, Record<string, tf.Tensor>>);
  const done = client.run().then(
    (result) => ({ result, error: undefined as unknown }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { client, model, done };
}

/**
 * What a round of FedAvg should produce, computed in-process with the same building blocks the
 * clients use (trainLocally is checked against PyTorch in federated-averaging.test.ts): the
 * clients' updates from `global` with their derived seeds, weighted by example count.
 */
export async function expectedRound(
  global: ModelState,
  participants: number[],
  round: number,
  options: { localEpochs: number; localBatchSize: number; attempt?: number },
): Promise<ModelState> {
  const aggregator = new UpdateAggregator(global);
  const model = tinyModel(99);
  for (const index of participants) {
    const { update } = await trainLocally(
      {
        model,
        task: classificationTask(),
        dataset: clientData(index, CLIENT_SIZES[index] as number),
        epochs: options.localEpochs,
        batchSize: options.localBatchSize,
        createOptimizer,
        seed: deriveSeed(index, round, options.attempt ?? 1),
      },
      global,
    );
    aggregator.add(update);
    disposeState(update.delta);
  }
  const next = aggregator.applyTo(global);
  aggregator.reset();
  model.dispose();
  return next;
}

export function maxDifference(left: ModelState, right: ModelState): number {
  return Math.max(
    ...Object.keys(right)
      .filter((name) => right[name]?.dtype === 'float32')
      .map((name) =>
        tf.tidy(
          () => tf.max(tf.abs(tf.sub(left[name] as tf.Tensor, right[name] as tf.Tensor))).dataSync()[0] as number,
        ),
      ),
  );
}

// The federated server: holds the global model, picks clients each round, aggregates their
// updates with secure aggregation (it learns only the sum, never one client's update) and
// evaluates the new global model on held-out MNIST digits. Configured by federated.mjs through
// TESSERA_EXAMPLE_CONFIG (JSON); in a deployment these would be a config file and real certificates.
import { readFileSync } from 'node:fs';
import { accuracy, initBackend, tf } from '@tessera/core';
import { FederatedServer } from '@tessera/federated';
import { createModel, mnistArrays, report } from './shared.mjs';

const config = JSON.parse(process.env.TESSERA_EXAMPLE_CONFIG);
const backend = await initBackend();
report('server-backend', { backend: backend.name });
const model = createModel();
const test = await mnistArrays('test', config.testImages);

// Accuracy of the global weights on the test images, after every round.
async function evaluate(globalState) {
  model.loadStateDict(globalState);
  const predicted = tf.tidy(() => {
    const features = tf.tensor2d(test.pixels, [test.count, 784]); // [images, 784]
    return tf.argMax(model.forward(features), 1); // [images]
  });
  const testAccuracy = accuracy(Array.from(await predicted.data()), Array.from(test.labels));
  predicted.dispose();
  return { accuracy: testAccuracy };
}

const server = new FederatedServer({
  initialState: model.stateDict(),
  clients: config.tokens, // client id → token; each client holds only its own
  rounds: config.rounds,
  minimumClients: 2, // a round still completes if one client drops out
  localEpochs: config.localEpochs,
  localBatchSize: 32,
  maxUpdateNorm: 5,
  secureAggregation: { dropoutTolerance: 1 },
  checkpointDirectory: config.checkpointDirectory, // global model + history; a restart resumes here
  tls: { certificate: readFileSync(config.certificatePath), privateKey: readFileSync(config.privateKeyPath) },
  host: '127.0.0.1',
  port: config.port,
  evaluate,
  onEvent: (event) => report('server', { event }),
});
await server.listen();
await server.waitForClients(config.clientIds.length);
const { history } = await server.run();
report('server-done', { history });
await server.close();

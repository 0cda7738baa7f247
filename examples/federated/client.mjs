// A federated client: trains the global model on its own share of MNIST for a few local epochs
// each round and sends back only a masked update; its images never leave this process.
// Configured by federated.mjs through TESSERA_EXAMPLE_CONFIG (JSON).
import { readFileSync } from 'node:fs';
import { classificationTask, initBackend, SGD } from '@tessera/core';
import { FederatedClient } from '@tessera/federated';
import { clientShare, createModel, report } from './shared.mjs';

const config = JSON.parse(process.env.TESSERA_EXAMPLE_CONFIG);
await initBackend();
const dataset = await clientShare(config.index, config.clientCount, config.trainImages);
report('client-data', { clientId: config.clientId, examples: dataset.length });
const client = new FederatedClient({
  url: config.url,
  clientId: config.clientId,
  token: config.token,
  ca: readFileSync(config.certificatePath), // trust the server's self-signed certificate
  model: createModel(),
  task: classificationTask(),
  dataset,
  createOptimizer: (parameters) => new SGD(parameters, { learningRate: 0.1 }),
  requireSecureAggregation: true,
  seed: config.index,
  onEvent: (event) => report('client', { clientId: config.clientId, event }),
});
const result = await client.run(); // until the server's last round
report('client-done', { clientId: config.clientId, ...result });

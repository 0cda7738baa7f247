// A federated client process for federated-processes.test.ts (TESSERA_TEST_CONFIG, JSON). With
// `stallAt` it stops answering once it reaches that event in that round, so the test can kill it
// at a known point of the protocol.
import { readFileSync } from 'node:fs';
import { classificationTask, initBackend } from '@tessera/core';
import { FederatedClient } from '@tessera/federated';
import { clientData, createOptimizer, report, tinyModel } from './tiny-problem.mjs';

const config = JSON.parse(process.env.TESSERA_TEST_CONFIG);
await initBackend({ backend: 'wasm' });
const client = new FederatedClient({
  url: config.url,
  clientId: config.clientId,
  token: config.token,
  ca: readFileSync(config.certificatePath),
  model: tinyModel(50 + config.index),
  task: classificationTask(),
  dataset: clientData(config.index, config.size),
  createOptimizer,
  seed: config.index,
  reconnectDelaySeconds: 0.2,
  reconnectAttempts: 50,
  onEvent: async (event) => {
    report('client-event', { clientId: config.clientId, event });
    if (config.stallAt !== undefined && event.type === config.stallAt.event && event.round === config.stallAt.round) {
      report('stalled', { clientId: config.clientId });
      await new Promise(() => undefined);
    }
  },
});
try {
  const result = await client.run();
  report('client-done', { clientId: config.clientId, ...result });
  process.exit(0);
} catch (error) {
  report('client-error', { clientId: config.clientId, message: String(error) });
  process.exit(1);
}

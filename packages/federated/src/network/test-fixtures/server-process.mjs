// A federated server process for federated-processes.test.ts, configured through TESSERA_TEST_CONFIG
// (JSON): it runs against the BUILT package, as a deployment would.
import { readFileSync } from 'node:fs';
import { initBackend } from '@tessera/core';
import { FederatedServer } from '@tessera/federated';
import { report, tinyModel } from './tiny-problem.mjs';

const config = JSON.parse(process.env.TESSERA_TEST_CONFIG);
await initBackend({ backend: 'wasm' });
const model = tinyModel(1);
const server = new FederatedServer({
  initialState: model.stateDict(),
  clients: config.tokens,
  rounds: config.rounds,
  minimumClients: 2,
  localEpochs: 2,
  localBatchSize: 4,
  secureAggregation: config.secureAggregation,
  checkpointDirectory: config.checkpointDirectory,
  tls: { certificate: readFileSync(config.certificatePath), privateKey: readFileSync(config.privateKeyPath) },
  port: config.port,
  phaseTimeoutSeconds: 20,
  trainingTimeoutSeconds: 20,
  onEvent: (event) => report('server-event', { event }),
});
model.dispose();
try {
  await server.listen();
  await server.waitForClients(config.expectedClients);
  const { history } = await server.run();
  report('server-done', { history });
  await server.close();
} catch (error) {
  report('server-error', { message: String(error) });
  process.exit(1);
}

// Federated learning on one machine, as it runs across many: this script starts a server process
// and three client processes that talk over TLS on loopback (127.0.0.1). Each client holds a
// label-skewed share of MNIST that never leaves its process; each round the clients train the
// global model locally, the server combines their updates with secure aggregation (Bonawitz et
// al. 2017: it sees only the sum) and measures the new global model's test accuracy.
// Usage: node federated.mjs [--rounds 10] [--local-epochs 1] [--train-images 6000]
//          [--test-images 2000] [--port 8443] [--out runs/federated]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { generateClientToken } from '@tessera/federated';
import selfsigned from 'selfsigned';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const rounds = Number(argument('rounds', 10));
const localEpochs = Number(argument('local-epochs', 1));
const trainImages = Number(argument('train-images', 6000));
const testImages = Number(argument('test-images', 2000));
const port = Number(argument('port', 8443));
const output = resolve(argument('out', 'runs/federated'));
const say = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();
mkdirSync(output, { recursive: true });

// --- Credentials: a self-signed certificate for 127.0.0.1 and one secret token per client.
const certificate = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
  keyType: 'ec',
  algorithm: 'sha256',
  extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
});
const certificatePath = join(output, 'server.crt');
const privateKeyPath = join(output, 'server.key');
writeFileSync(certificatePath, certificate.cert);
writeFileSync(privateKeyPath, certificate.private, { mode: 0o600 });
const clientIds = ['hospital-a', 'hospital-b', 'hospital-c'];
const tokens = Object.fromEntries(clientIds.map((clientId) => [clientId, generateClientToken()]));

// --- Processes: each prints JSON lines; this script turns them into progress.
const children = [];
function start(script, config, onLine) {
  const child = spawn(process.execPath, [join(import.meta.dirname, script)], {
    env: { ...process.env, TESSERA_EXAMPLE_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (text.startsWith('{')) onLine(JSON.parse(text));
  });
  children.push(child);
  return new Promise((resolveExit, reject) =>
    child.on('exit', (code) => (code === 0 ? resolveExit() : reject(new Error(`${script} exited with ${code}`)))),
  );
}
process.on('exit', () => {
  for (const child of children) child.kill();
});

let history = [];
const serverExited = start(
  'server.mjs',
  {
    tokens,
    clientIds,
    rounds,
    localEpochs,
    testImages,
    port,
    certificatePath,
    privateKeyPath,
    checkpointDirectory: join(output, 'server'),
  },
  (line) => {
    if (line.kind === 'server-done') history = line.history;
    if (line.kind === 'server-backend') say(`server on the ${line.backend} backend`);
    const { event } = line;
    if (event?.type === 'listening') say(`server listening on ${event.url}`);
    if (event?.type === 'client-connected') say(`server: ${event.clientId} connected`);
    if (event?.type === 'round-complete') {
      const { round, participants, exampleCount, trainingLoss, metrics, seconds } = event.record;
      say(
        `round ${round}/${rounds}: ${participants.length} clients, ${exampleCount} examples, training loss ${trainingLoss.toFixed(3)}, test accuracy ${(100 * metrics.accuracy).toFixed(1)}% (${seconds.toFixed(1)} s)`,
      );
    }
  },
);
say(`Federated averaging, ${clientIds.length} clients, ${rounds} rounds, secure aggregation, TLS on 127.0.0.1:${port}`);
const clientsExited = clientIds.map((clientId, index) =>
  start(
    'client.mjs',
    {
      url: `wss://127.0.0.1:${port}`,
      clientId,
      token: tokens[clientId],
      index,
      clientCount: clientIds.length,
      trainImages,
      certificatePath,
    },
    (line) => {
      if (line.kind === 'client-data') say(`${line.clientId}: holds ${line.examples} training images`);
    },
  ),
);
await Promise.all([serverExited, ...clientsExited]);

// --- Results.
say('\n| round | clients | examples | training loss | test accuracy |');
say('|---|---|---|---|---|');
for (const record of history) {
  say(
    `| ${record.round} | ${record.participants.length} | ${record.exampleCount} | ${record.trainingLoss.toFixed(3)} | ${(100 * record.metrics.accuracy).toFixed(1)}% |`,
  );
}
writeFileSync(join(output, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
say(`\nDone in ${Math.round((performance.now() - began) / 1000)} s. Outputs in ${output}:`);
say('  history.json   one record per round (participants, loss, accuracy, seconds)');
say('  server/        the global model after each round (safetensors) and server-state.json');

import { type BackendName, initBackend, TesseraError } from '@tessera/core';
import { Command } from 'commander';
import { createInferenceServer } from '../serve/create-inference-server.js';

function positiveInteger(name: string, text: string, minimum = 1): number {
  const value = Number(text);
  if (!(Number.isSafeInteger(value) && value >= minimum)) {
    throw new TesseraError('E_CLI_OPTION', `--${name} must be an integer ≥ ${minimum}, got '${text}'`);
  }
  return value;
}

/** The key from `--api-key`, else `TESSERA_API_KEY`; a set but empty one is refused, never read as "no key". */
function resolveApiKey(option: string | undefined): string | undefined {
  if (option !== undefined) {
    if (option.trim().length === 0) throw new TesseraError('E_CLI_OPTION', '--api-key must not be empty');
    return option;
  }
  const fromEnvironment = process.env.TESSERA_API_KEY;
  if (fromEnvironment === undefined) return undefined;
  if (fromEnvironment.trim().length === 0) {
    throw new TesseraError('E_CLI_OPTION', 'TESSERA_API_KEY is set but empty; set it to a key or unset it');
  }
  return fromEnvironment;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** `tessera serve <export-dir>`: an HTTP inference server for an exported model. */
export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'serve an exported model over HTTP (JSON endpoints, the OpenAI API for GPT exports, streaming generation, bounded queue)',
    )
    .argument(
      '<export-dir>',
      'an export directory (tessera.json) or http(s) URL, of any kind a loaded package registered',
    )
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option(
      '--host <host>',
      'interface to listen on (0.0.0.0 to accept remote connections; then also set --api-key)',
      '127.0.0.1',
    )
    .option(
      '--api-key <key>',
      'require Authorization: Bearer <key> on every route but /health (default: $TESSERA_API_KEY, else none; prefer the variable on shared hosts: a command line shows in ps)',
    )
    .option('--model-name <name>', "the model's id in GET /v1/models (default: the export directory's name)")
    .option('--max-concurrency <count>', 'inference jobs running at once', '1')
    .option('--max-queue <count>', 'requests allowed to wait; beyond this the server answers 429', '16')
    .option('--max-tokens <count>', 'most tokens one generation may ask for', '256')
    .option('--backend <name>', 'backend to run on (default: the best available)')
    .action(
      async (
        exportDirectory: string,
        options: {
          port: string;
          host: string;
          maxConcurrency: string;
          maxQueue: string;
          maxTokens: string;
          backend?: string;
          apiKey?: string;
          modelName?: string;
        },
      ) => {
        const apiKey = resolveApiKey(options.apiKey);
        await initBackend(options.backend === undefined ? {} : { backend: options.backend as BackendName });
        const app = await createInferenceServer({
          exportDirectory,
          ...(apiKey === undefined ? {} : { apiKey }),
          ...(options.modelName === undefined ? {} : { modelName: options.modelName }),
          maxConcurrency: positiveInteger('max-concurrency', options.maxConcurrency),
          maxQueue: positiveInteger('max-queue', options.maxQueue, 0),
          limits: { maxNewTokens: positiveInteger('max-tokens', options.maxTokens) },
        });
        // Graceful shutdown: stop accepting, let in-flight requests finish, free the model, exit.
        // A second signal exits at once.
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) process.exit(1);
          stopping = true;
          app.log.info({ signal }, 'shutting down: finishing in-flight requests');
          app.close().then(
            () => process.exit(0),
            (error: unknown) => {
              app.log.error({ err: error }, 'shutdown failed');
              process.exit(1);
            },
          );
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
        if (apiKey === undefined && !LOOPBACK_HOSTS.has(options.host)) {
          app.log.warn(
            { host: options.host },
            'listening beyond this machine without an API key: anyone who can reach it can use the model; set --api-key or TESSERA_API_KEY',
          );
        }
        await app.listen({ port: positiveInteger('port', options.port, 0), host: options.host });
      },
    );
}

import { createRequire } from 'node:module';
import { Command } from 'commander';
import { backendCommand } from './commands/backend.js';
import { evaluateCommand } from './commands/evaluate.js';
import { infoCommand } from './commands/info.js';
import { predictCommand } from './commands/predict.js';
import { recommendCommand } from './commands/recommend.js';
import { serveCommand } from './commands/serve.js';
import { trainCommand } from './commands/train.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The `tessera` command with every subcommand registered. */
export function createProgram(): Command {
  return new Command('tessera')
    .description('Tessera: develop models from scratch and fine-tune them on TensorFlow.js')
    .version(version)
    .showHelpAfterError()
    .addCommand(trainCommand())
    .addCommand(evaluateCommand())
    .addCommand(infoCommand())
    .addCommand(predictCommand())
    .addCommand(recommendCommand())
    .addCommand(serveCommand())
    .addCommand(backendCommand());
}

import { TesseraError } from '@tessera/core';
import { evaluateRun } from '@tessera/trainers';
import { Command } from 'commander';

export function evaluateCommand(): Command {
  return new Command('eval')
    .description("evaluate a run's checkpoint on its validation split")
    .argument('<run-directory>', 'a directory written by tessera train')
    .option('--checkpoint <name>', "'last' or 'best'", 'last')
    .option('--json', 'print the result as JSON')
    .action(async (runDirectory: string, options: { checkpoint: string; json?: boolean }) => {
      if (options.checkpoint !== 'last' && options.checkpoint !== 'best') {
        throw new TesseraError('E_CLI_USAGE', `--checkpoint must be 'last' or 'best', found '${options.checkpoint}'`);
      }
      const result = await evaluateRun(runDirectory, options.checkpoint);
      if (options.json === true) {
        console.log(JSON.stringify(result));
        return;
      }
      const metrics = Object.entries(result.metrics).map(([name, value]) => `, ${name} ${value.toFixed(4)}`);
      console.log(`${options.checkpoint} checkpoint: loss ${result.loss.toFixed(4)}${metrics.join('')}`);
    });
}

import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { loadRunConfig, resumeRun, type TrainFromConfigResult, trainFromConfig } from '@tessera/trainers';
import { Command } from 'commander';

function summary(result: TrainFromConfigResult): string {
  const lines = [
    `run directory: ${result.runDirectory}`,
    `report: ${join(result.runDirectory, 'report', 'index.html')}`,
    `checkpoint: ${join(result.runDirectory, 'checkpoints', 'last')} (step ${result.steps})`,
  ];
  if (result.evaluation !== undefined) {
    const metrics = Object.entries(result.evaluation.metrics).map(([name, value]) => `, ${name} ${value.toFixed(4)}`);
    lines.push(`validation: loss ${result.evaluation.loss.toFixed(4)}${metrics.join('')}`);
  }
  if (result.interrupted) lines.push(`interrupted: resume with  tessera train --resume ${result.runDirectory}`);
  return lines.join('\n');
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a model from a run config (JSON or YAML), or resume an interrupted run')
    .argument('[config]', 'the run config: .json, .yaml or .yml')
    .option('--resume <run-directory>', 'continue a run from its last checkpoint, exactly where it stopped')
    .addHelpText(
      'after',
      '\nThe run directory (runs/<name>) receives config.json, metrics.jsonl, checkpoints/ and report/.\n' +
        'Ctrl-C stops after the current step, writes a checkpoint and exits with status 130.',
    )
    .action(async (configPath: string | undefined, options: { resume?: string }) => {
      if ((configPath === undefined) === (options.resume === undefined)) {
        throw new TesseraError(
          'E_CLI_USAGE',
          "give a config file or --resume <run-directory>, not both (see 'tessera train --help')",
        );
      }
      const controller = new AbortController();
      let interrupts = 0;
      const onInterrupt = () => {
        interrupts += 1;
        if (interrupts > 1) process.exit(130); // files are written atomically: nothing is left half-written
        process.stderr.write(
          '\ninterrupted: finishing the current step and writing a checkpoint (Ctrl-C again to stop at once)\n',
        );
        controller.abort();
      };
      process.on('SIGINT', onInterrupt);
      try {
        const result =
          options.resume !== undefined
            ? await resumeRun(options.resume, { signal: controller.signal })
            : await trainFromConfig(await loadRunConfig(configPath as string), { signal: controller.signal });
        console.log(summary(result));
        if (result.interrupted) process.exitCode = 130;
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}

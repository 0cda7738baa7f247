import { isTesseraError } from '@tessera/core';
import { createProgram } from './program.js';

/**
 * Runs the CLI and returns the exit code. Expected failures (a `TesseraError`) print one line,
 * never a stack trace; anything else is a bug and keeps its stack.
 */
export async function runCli(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    // A command that ends abnormally but cleanly (an interrupted run: 130) sets process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (isTesseraError(error)) {
      console.error(`tessera: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

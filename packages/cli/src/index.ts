export { backendCommand, formatBackendReport } from './commands/backend.js';
export { createProgram } from './program.js';
export { runCli } from './run-cli.js';

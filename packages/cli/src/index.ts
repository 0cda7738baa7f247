export { backendCommand, formatBackendReport } from './commands/backend.js';
export { evaluateCommand } from './commands/evaluate.js';
export { formatHeader, infoCommand } from './commands/info.js';
export { trainCommand } from './commands/train.js';
export { createProgram } from './program.js';
export { runCli } from './run-cli.js';

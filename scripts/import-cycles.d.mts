/** Types of import-cycles.mjs, for the tests that use its cycle finder. */
export function sourceFiles(directory: string): string[];
export function localImports(file: string): string[];
export function findCycles(graph: Map<string, string[]>): string[][];
export function importCycles(sourceDirectory: string): string[][];

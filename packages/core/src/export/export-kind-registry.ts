import type { ExportKind, LoadedExport } from '@tessera/spec';
import { TesseraError } from '../errors.js';

/**
 * The export kinds the loaded domain packages registered (`@tessera/transformer` registers `gpt`
 * and `bert-classifier` when imported, and so on). Kept on `globalThis` under a `Symbol.for` key so
 * that two installed copies of @tessera/core share one registry, as they share one tfjs engine.
 */
const REGISTRY_KEY = Symbol.for('tessera.exportKinds');

function registry(): Map<string, ExportKind> {
  const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Map<string, ExportKind> };
  holder[REGISTRY_KEY] ??= new Map();
  return holder[REGISTRY_KEY];
}

/**
 * Registers how to load, describe, free, predict with and serve one export kind. Registering the
 * same definition again is a no-op (a module evaluated twice); a different one for a taken kind is
 * refused, so two packages cannot silently fight over a name.
 */
export function registerExportKind<Loaded extends LoadedExport>(definition: ExportKind<Loaded>): void {
  if (typeof definition?.kind !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(definition.kind)) {
    throw new TesseraError(
      'E_EXPORT_KIND',
      `an export kind needs a lower-case name of letters, digits and dashes, got ${JSON.stringify(definition?.kind)}`,
    );
  }
  const existing = registry().get(definition.kind);
  if (existing !== undefined && existing !== (definition as unknown as ExportKind)) {
    if (existing.packageName === definition.packageName) return; // the same package loaded twice
    throw new TesseraError(
      'E_EXPORT_KIND',
      `export kind '${definition.kind}' is already registered by ${existing.packageName}; ${definition.packageName} cannot register it again`,
    );
  }
  registry().set(definition.kind, definition as unknown as ExportKind);
}

/** Every registered export kind, in registration order. */
export function listExportKinds(): ExportKind[] {
  return [...registry().values()];
}

/** The registered definition of `kind`, or undefined. */
export function findExportKind(kind: string): ExportKind | undefined {
  return registry().get(kind);
}

/** The registered definition of `kind`; a `not-found` TesseraError naming the registered kinds if none. */
export function requireExportKind(kind: string): ExportKind {
  const definition = findExportKind(kind);
  if (definition !== undefined) return definition;
  const known = listExportKinds().map((entry) => `${entry.kind} (${entry.packageName})`);
  throw new TesseraError(
    'E_EXPORT_KIND_UNKNOWN',
    `no package registered the export kind '${kind}'${known.length === 0 ? ' (none is registered: import the domain package that wrote it)' : `; registered kinds: ${known.join(', ')}`}. Install and import the package that wrote this export`,
    { category: 'not-found' },
  );
}

/** Removes a kind (tests registering a throwaway kind). */
export function unregisterExportKind(kind: string): boolean {
  return registry().delete(kind);
}

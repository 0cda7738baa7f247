import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EXPORT_MANIFEST_FILE,
  type ExportKind,
  type ExportLocation,
  type ExportManifest,
  findExportKind,
  type LoadedExport,
  listExportKinds,
  readExportManifest,
  type ServeRoute,
  TesseraError,
} from '@tessera/core';
import { domainPackageNames } from './domain-packages.js';

/** An export read through the kind its manifest names. */
export interface OpenedExport {
  manifest: ExportManifest;
  /** The registered kind that loads, describes, frees, predicts with and serves it. */
  definition: ExportKind;
  loaded: LoadedExport;
}

/**
 * Reads the manifest, finds its kind in the registry (a `not-found` E_EXPORT_KIND_UNKNOWN naming
 * the registered kinds if no package registered it) and loads the model with that kind's loader.
 */
export async function openExport(location: ExportLocation): Promise<OpenedExport> {
  const manifest = await readExportManifest(location);
  const definition = findExportKind(manifest.kind);
  if (definition === undefined) {
    const registered = listExportKinds().map((entry) => entry.kind);
    throw new TesseraError(
      'E_EXPORT_KIND_UNKNOWN',
      `${describeLocation(location)} holds a '${manifest.kind}' export written by ${manifest.producer.name}, and no loaded package registered that kind (the CLI loads ${domainPackageNames().join(', ')}; registered: ${registered.join(', ') || 'none'}); import ${manifest.producer.name} first`,
      { category: 'not-found' },
    );
  }
  const loaded = await definition.load(location);
  return { manifest, definition, loaded };
}

function describeLocation(location: ExportLocation): string {
  if (typeof location === 'string') return location;
  return location instanceof URL ? location.href : location.location;
}

/** True for a URL or a directory holding a `tessera.json` (an export, as opposed to a saved model or checkpoint). */
export async function isExportLocation(path: string): Promise<boolean> {
  if (/^https?:\/\//i.test(path)) return true;
  return stat(join(path, EXPORT_MANIFEST_FILE)).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

/** `POST /v1/generate`: how a route is named in answers and messages. */
export function endpointName(route: Pick<ServeRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

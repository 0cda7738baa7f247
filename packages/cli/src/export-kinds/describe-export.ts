import { type ExportLocation, findExportKind, readExportManifest } from '@tessera/core';
import { domainPackageNames } from './domain-packages.js';
import { endpointName } from './open-export.js';

/** What `tessera info` shows of an export: its manifest's facts and what its kind says of it. */
export interface ExportDescription {
  kind: string;
  producer: { name: string; version: string };
  createdAt: string;
  /** The weights' quantization scheme, or null for float32. */
  quantization: string | null;
  metadata: Record<string, unknown>;
  /** The registered kind, or null when no loaded package registered the manifest's kind. */
  registered: {
    packageName: string;
    description: string;
    predictInputs: string | null;
    endpoints: string[];
    /** The kind's `describe` of the loaded model (architecture, labels, preprocessing…). */
    config: Record<string, unknown>;
  } | null;
}

/** Reads the manifest and, when its kind is registered, loads the model to describe it (then frees it). */
export async function describeExport(location: ExportLocation): Promise<ExportDescription> {
  const manifest = await readExportManifest(location);
  const facts = {
    kind: manifest.kind,
    producer: manifest.producer,
    createdAt: manifest.createdAt,
    quantization: manifest.quantization?.scheme ?? null,
    metadata: manifest.metadata,
  };
  const definition = findExportKind(manifest.kind);
  if (definition === undefined) return { ...facts, registered: null };
  const loaded = await definition.load(location);
  try {
    return {
      ...facts,
      registered: {
        packageName: definition.packageName,
        description: definition.description,
        predictInputs: definition.predict === undefined ? null : (definition.predictInputs ?? 'inputs'),
        endpoints: definition.routes.map(endpointName),
        config: definition.describe(loaded),
      },
    };
  } finally {
    definition.dispose(loaded);
  }
}

/** The description as lines for people, under a heading naming the location. */
export function formatExportDescription(location: string, described: ExportDescription): string {
  const weights = described.quantization === null ? 'float32 weights' : `${described.quantization} weights`;
  const lines = [
    `${location}: '${described.kind}' export by ${described.producer.name} ${described.producer.version} (created ${described.createdAt}, ${weights})`,
  ];
  const { registered } = described;
  if (registered === null) {
    lines.push(
      `  no loaded package registered the kind '${described.kind}' (the CLI loads ${domainPackageNames().join(', ')}); it needs ${described.producer.name}`,
    );
  } else {
    lines.push(`  ${registered.description} (${registered.packageName})`);
    const uses = [
      ...(registered.predictInputs === null ? [] : [`tessera predict takes ${registered.predictInputs}`]),
      ...(registered.endpoints.length === 0 ? [] : [`tessera serve answers ${registered.endpoints.join(', ')}`]),
    ];
    if (uses.length > 0) lines.push(`  ${uses.join('; ')}`);
    for (const [name, value] of Object.entries(registered.config)) lines.push(`  ${name}: ${JSON.stringify(value)}`);
  }
  if (Object.keys(described.metadata).length > 0) lines.push(`  metadata: ${JSON.stringify(described.metadata)}`);
  return lines.join('\n');
}

import { TesseraError } from '@tessera/core';
import type { z } from 'zod';
import { formatIssues } from './issues.js';

/** A buildable piece of a run (data source, model, task), chosen in configs by its `kind`. */
export interface ComponentDefinition<Built, Context, Config extends { kind: string } = { kind: string }> {
  kind: string;
  /** One line for `--help` and error messages. */
  description: string;
  /** Validates the config section (which includes `kind`). */
  schema: z.ZodType<Config>;
  build(config: Config, context: Context): Built | Promise<Built>;
}

/**
 * Components by kind. Packages register theirs (e.g. `@tessera/transformer` adds a causal-LM
 * task), and `tessera train` can then build them from a config file.
 */
export class ComponentRegistry<Built, Context> {
  private readonly definitions = new Map<string, ComponentDefinition<Built, Context, { kind: string }>>();

  constructor(readonly section: string) {}

  register<Config extends { kind: string }>(definition: ComponentDefinition<Built, Context, Config>): void {
    if (this.definitions.has(definition.kind)) {
      throw new TesseraError('E_REGISTRY', `a ${this.section} of kind '${definition.kind}' is already registered`);
    }
    this.definitions.set(
      definition.kind,
      definition as unknown as ComponentDefinition<Built, Context, { kind: string }>,
    );
  }

  kinds(): string[] {
    return [...this.definitions.keys()].sort();
  }

  /** Validates a config section against its kind's schema; errors name the field, type and value. */
  parse(section: unknown): { kind: string } {
    const kind = (section as { kind?: unknown } | undefined)?.kind;
    const definition = typeof kind === 'string' ? this.definitions.get(kind) : undefined;
    if (definition === undefined) {
      throw new TesseraError(
        'E_CONFIG',
        `${this.section}.kind: expected one of ${this.kinds()
          .map((name) => `'${name}'`)
          .join(', ')}, found ${JSON.stringify(kind)}`,
      );
    }
    const result = definition.schema.safeParse(section);
    if (!result.success) throw new TesseraError('E_CONFIG', formatIssues(result.error.issues, section, this.section));
    return result.data;
  }

  async build(config: { kind: string }, context: Context): Promise<Built> {
    const definition = this.definitions.get(config.kind);
    if (definition === undefined)
      throw new TesseraError('E_CONFIG', `${this.section}.kind: no ${this.section} '${config.kind}' is registered`);
    return definition.build(config, context);
  }
}

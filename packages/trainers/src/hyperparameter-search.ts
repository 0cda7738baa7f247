import { createRandomGenerator, TesseraError } from '@tessera/core';

/** One dimension of a search space. */
export type SearchDimension =
  | { kind: 'choice'; values: readonly (string | number | boolean)[] }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'logUniform'; low: number; high: number }
  | { kind: 'integer'; low: number; high: number };

export type SearchSpace = Record<string, SearchDimension>;

/** The values a search space yields: numbers for ranges, the choices' own types for choices. */
export type SearchPoint<Space extends SearchSpace> = {
  [Name in keyof Space]: Space[Name] extends { kind: 'choice'; values: readonly (infer Value)[] } ? Value : number;
};

export interface SearchOptions<Space extends SearchSpace> {
  space: Space;
  /** 'grid' walks every combination (choices and integer ranges only); 'random' samples. */
  strategy: 'grid' | 'random';
  /** The most trials to run (required for random search; caps a grid). */
  trials?: number;
  /** Seed for random search (default 0). */
  seed?: number;
  /** Whether a lower ('min', default) or higher ('max') score is better. */
  mode?: 'min' | 'max';
  /** Trains and evaluates one configuration; returns its score (and any metrics to report). */
  objective(
    point: SearchPoint<Space>,
    trial: number,
  ): Promise<number | { score: number; metrics?: Record<string, number> }>;
}

export interface Trial<Space extends SearchSpace> {
  trial: number;
  point: SearchPoint<Space>;
  score: number;
  metrics: Record<string, number>;
}

export interface SearchResult<Space extends SearchSpace> {
  trials: Array<Trial<Space>>;
  best: Trial<Space>;
  /** The trials as an aligned text table, best first. */
  table(): string;
}

function gridPoints(space: SearchSpace): Array<Record<string, unknown>> {
  let points: Array<Record<string, unknown>> = [{}];
  for (const [name, dimension] of Object.entries(space)) {
    let values: readonly unknown[];
    if (dimension.kind === 'choice') values = dimension.values;
    else if (dimension.kind === 'integer')
      values = Array.from({ length: dimension.high - dimension.low + 1 }, (_, i) => dimension.low + i);
    else {
      throw new TesseraError(
        'E_SEARCH_SPACE',
        `grid search needs choices or integer ranges; '${name}' is ${dimension.kind}: use random search`,
      );
    }
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

function validate(space: SearchSpace): void {
  for (const [name, dimension] of Object.entries(space)) {
    if (dimension.kind === 'choice' ? dimension.values.length === 0 : !(dimension.low <= dimension.high)) {
      throw new TesseraError('E_SEARCH_SPACE', `'${name}' is an empty ${dimension.kind} dimension`);
    }
    if (dimension.kind === 'logUniform' && !(dimension.low > 0)) {
      throw new TesseraError('E_SEARCH_SPACE', `'${name}': logUniform needs low > 0, found ${dimension.low}`);
    }
  }
}

/** Grid or random search over a typed space, with a trial budget; trials run one after another. */
export async function hyperparameterSearch<Space extends SearchSpace>(
  options: SearchOptions<Space>,
): Promise<SearchResult<Space>> {
  validate(options.space);
  const mode = options.mode ?? 'min';
  let points: Array<Record<string, unknown>>;
  if (options.strategy === 'grid') {
    points = gridPoints(options.space).slice(0, options.trials ?? Number.POSITIVE_INFINITY);
  } else {
    if (options.trials === undefined || !(options.trials > 0)) {
      throw new TesseraError('E_SEARCH_OPTIONS', 'random search needs a trial budget (trials > 0)');
    }
    const random = createRandomGenerator(options.seed ?? 0);
    points = Array.from({ length: options.trials }, () =>
      Object.fromEntries(
        Object.entries(options.space).map(([name, dimension]) => {
          switch (dimension.kind) {
            case 'choice':
              return [name, dimension.values[random.nextInt(dimension.values.length)]];
            case 'integer':
              return [name, dimension.low + random.nextInt(dimension.high - dimension.low + 1)];
            case 'uniform':
              return [name, dimension.low + (dimension.high - dimension.low) * random.nextFloat()];
            case 'logUniform':
              return [
                name,
                Math.exp(
                  Math.log(dimension.low) + (Math.log(dimension.high) - Math.log(dimension.low)) * random.nextFloat(),
                ),
              ];
          }
          return [name, undefined];
        }),
      ),
    );
  }
  const trials: Array<Trial<Space>> = [];
  for (const [trial, point] of points.entries()) {
    const outcome = await options.objective(point as SearchPoint<Space>, trial);
    const { score, metrics = {} } = typeof outcome === 'number' ? { score: outcome } : outcome;
    trials.push({ trial, point: point as SearchPoint<Space>, score, metrics });
  }
  const ranked = [...trials].sort((a, b) => (mode === 'min' ? a.score - b.score : b.score - a.score));
  return {
    trials,
    best: ranked[0] as Trial<Space>,
    table() {
      const names = Object.keys(options.space);
      const metricNames = [...new Set(trials.flatMap((trial) => Object.keys(trial.metrics)))];
      const format = (value: unknown) =>
        typeof value === 'number' && !Number.isInteger(value) ? value.toPrecision(4) : String(value);
      const header = ['trial', ...names, 'score', ...metricNames];
      const rows = ranked.map((trial) => [
        String(trial.trial),
        ...names.map((name) => format(trial.point[name])),
        format(trial.score),
        ...metricNames.map((name) => format(trial.metrics[name])),
      ]);
      const widths = header.map((title, column) =>
        Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
      );
      const line = (cells: string[]) =>
        cells
          .map((cell, column) => cell.padEnd(widths[column] as number))
          .join('  ')
          .trimEnd();
      return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
    },
  };
}

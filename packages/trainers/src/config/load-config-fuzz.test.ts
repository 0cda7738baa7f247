import { createRandomGenerator } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { type FuzzCase, fuzzCaseCount, runFuzzCases } from '../../../../scripts/testing/fuzz-outcomes.js';
import { parseRunConfig } from './load-config.js';
import type { RunConfig } from './run-config.js';

/**
 * Seeded run configs, valid and damaged, as JSON and YAML bytes through `parseRunConfig` (what
 * `loadRunConfig` does after reading the file): sections and fields of the wrong type or null,
 * missing or unknown fields, huge and non-finite numbers, deep nesting, alias cycles and bombs,
 * non-UTF-8 bytes, stray characters and truncation. Every case must end in a config or a
 * TesseraError with a code within a second; a structural edit that breaks the schema, and any
 * non-UTF-8 input, must be refused; an unchanged config must be accepted.
 */

interface ConfigInput {
  bytes: Uint8Array;
  path: string;
  /** Known to break the schema or the encoding: accepting it is garbage. */
  broken?: string;
}

const random = createRandomGenerator(1966);
const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)] as T;

function baseConfig(): Record<string, unknown> {
  return {
    name: pick(['circle', 'demo-1', 'a.b_c']),
    seed: random.nextInt(100),
    data: { kind: 'csv-classification', path: '/data/circle.csv', labelColumn: 'label', batchSize: 16 },
    model: { kind: 'mlp', hiddenSizes: [8, 4], activation: pick(['relu', 'gelu', 'tanh']) },
    optimizer: { kind: 'adamw', learningRate: 0.001, weightDecay: 0.01 },
    schedule: { kind: 'cosine', warmupSteps: 10 },
    training: { maxSteps: 100, keepLast: 2, earlyStopping: { monitor: 'loss', patience: 2 } },
  };
}

const SECTIONS = ['data', 'model', 'task', 'optimizer', 'schedule', 'training'];
const WRONG_VALUES: unknown[] = [null, 0, -1, 1.5, '1', 'x', true, [], {}, [null], 1e308, 2 ** 53, [[[[[1]]]]]];
/** Field paths with the kind of value the schema wants there. */
const FIELDS: [string[], 'positive integer' | 'string' | 'positive number'][] = [
  [['seed'], 'positive integer'],
  [['name'], 'string'],
  [['data', 'path'], 'string'],
  [['data', 'batchSize'], 'positive integer'],
  [['model', 'hiddenSizes', '0'], 'positive integer'],
  [['optimizer', 'learningRate'], 'positive number'],
  [['training', 'maxSteps'], 'positive integer'],
  [['training', 'earlyStopping', 'patience'], 'positive integer'],
];

/** Whether `value` is acceptable for a field wanting `kind` (mirrors the documented schema). */
function acceptable(value: unknown, kind: (typeof FIELDS)[number][1], path: string[]): boolean {
  if (kind === 'string') return typeof value === 'string' && (path[0] !== 'name' || /^[\w.-]+$/.test(value));
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (kind === 'positive number') return value > 0;
  const integer = Number.isSafeInteger(value) && (path[0] === 'seed' ? value >= 0 : value > 0);
  // A layer wider than 65,536 units is refused (it could not be allocated).
  return integer && (path[1] !== 'hiddenSizes' || value <= 65536);
}

function setAt(root: Record<string, unknown>, path: string[], value: unknown): void {
  let node = root as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1) as string] = value;
}

let sectionEdits = 0;
type Edit = (config: Record<string, unknown>) => string | undefined; // returns why the result is broken

const edits: [string, Edit][] = [
  ['unchanged', () => undefined],
  [
    'section of the wrong type',
    (config) => {
      // Every section meets every wrong value in turn (data: null is the issue's case).
      const section = SECTIONS[sectionEdits % SECTIONS.length] as string;
      const values = [null, 0, 'mlp', [], true, [config[section]]];
      config[section] = values[Math.floor(sectionEdits++ / SECTIONS.length) % values.length];
      return `${section} is ${JSON.stringify(config[section])}`;
    },
  ],
  [
    'field of the wrong type',
    (config) => {
      const [path, kind] = pick(FIELDS);
      const value = pick([...WRONG_VALUES, 65537, 1e6, 3]);
      setAt(config, path, value);
      return acceptable(value, kind, path) ? undefined : `${path.join('.')} is ${JSON.stringify(value)}`;
    },
  ],
  [
    'missing required field',
    (config) => {
      const path = pick([['name'], ['data'], ['model'], ['data', 'kind'], ['data', 'labelColumn'], ['model', 'kind']]);
      let node = config;
      for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
      delete node[path.at(-1) as string];
      return `${path.join('.')} is missing`;
    },
  ],
  [
    'unknown field',
    (config) => {
      setAt(config, [pick(['training', 'optimizer', 'model']), pick(['learningrate', 'epoch', '__proto__x'])], 1);
      return 'an unknown field';
    },
  ],
  [
    'deeply nested value',
    (config) => {
      const [path] = pick(FIELDS);
      setAt(config, path, DEEP);
      return `${path.join('.')} is deeply nested`;
    },
  ],
];

const NON_UTF8 = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];
const DEEP = '__deeply nested__';
const STRAY = [':', '{', '[', '"', '-', '&a', '*a', '\t', '!!binary', '\n', ''];

/** Nine times more strings at each of six levels: 531,441 if the aliases were expanded. */
const aliasBomb = [
  'bomb:',
  '  l0: &l0 ["x","x","x","x","x","x","x","x","x"]',
  ...Array.from(
    { length: 5 },
    (_, level) => `  l${level + 1}: &l${level + 1} [${Array(9).fill(`*l${level}`).join(',')}]`,
  ),
].join('\n');

function* cases(count: number): Generator<FuzzCase<ConfigInput>> {
  for (let index = 0; index < count; index++) {
    const config = baseConfig();
    const [editName, edit] = pick(edits);
    let broken = edit(config);
    const yaml = random.nextFloat() < 0.5;
    const path = yaml ? pick(['run.yaml', 'run.yml']) : pick(['run.json', 'run']);
    let text = yaml ? toYaml(config) : JSON.stringify(config, null, pick([0, 2]));
    // Deep nesting is written as text: serializing it here would overflow the stack.
    const depth = 2000 + random.nextInt(20000);
    text = text.replace(yaml ? DEEP : `"${DEEP}"`, `${'['.repeat(depth)}1${']'.repeat(depth)}`);
    let name = `${editName} (${yaml ? 'YAML' : 'JSON'})`;
    let bytes: Uint8Array = Buffer.from(text);
    const textEdit = random.nextFloat();
    if (textEdit < 0.12) {
      // Non-UTF-8 bytes inside a string value: a lenient decoder would make them U+FFFD.
      const found = Buffer.from(bytes).indexOf('circle.csv');
      const at = found < 0 ? bytes.length >> 1 : found;
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(pick(NON_UTF8)), bytes.subarray(at)]);
      name += ', non-UTF-8';
      broken = 'non-UTF-8 bytes';
    } else if (textEdit < 0.3) {
      const characters = [...text];
      for (let count = 1 + random.nextInt(3); count > 0; count--) {
        characters.splice(random.nextInt(characters.length), random.nextInt(2), pick(STRAY));
      }
      bytes = Buffer.from(characters.join(''));
      name += ', characters edited';
      broken = undefined; // may or may not still be a valid config
    } else if (textEdit < 0.38) {
      bytes = bytes.subarray(0, random.nextInt(bytes.length));
      name += ', truncated';
      broken = undefined;
    } else if (textEdit < 0.46 && yaml) {
      bytes = Buffer.from(`${text}${pick(['extra: &a [*a]', aliasBomb])}\n`);
      name += ', aliases';
      broken = 'a key outside the schema';
    }
    const valid = editName === 'unchanged' && !name.includes(',');
    yield { name, input: { bytes, path, ...(broken === undefined ? {} : { broken }) }, valid };
  }
}

describe('fuzzed run configs', () => {
  it('end in a validated config or a TesseraError with a code, within a second each', () => {
    const report = runFuzzCases(cases(fuzzCaseCount(400)), (input) => parseRunConfig(input.bytes, input.path), {
      timeLimitMs: 1000,
      forbiddenMessages: [/Cannot read properties/, /Converting circular structure/, /Maximum call stack/],
      garbage: (input, config: RunConfig) => {
        if (input.broken !== undefined) return `accepted although ${input.broken}`;
        const hidden = (config.model as { hiddenSizes?: number[] }).hiddenSizes ?? [];
        if (hidden.some((size) => size > 65536)) return `a layer of ${Math.max(...hidden)} units`;
        return undefined;
      },
    });
    console.log(`run config fuzz: ${JSON.stringify(report.counts)}; failures ${JSON.stringify(report.failureCounts)}`);
    expect(report.failures).toEqual([]);
    for (const code of ['ok', 'E_CONFIG', 'E_CONFIG_ENCODING']) {
      expect(report.counts[code] ?? 0, `${code} in ${JSON.stringify(report.counts)}`).toBeGreaterThan(0);
    }
  });
});

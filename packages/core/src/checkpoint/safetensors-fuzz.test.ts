import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { isTesseraError } from '../errors.js';
import { randomInteger, seededRandom } from '../random/seeded-random.js';
import { deserializeSafetensors, serializeSafetensors } from './safetensors-bytes.js';
import { loadSafetensors, readSafetensorsHeader } from './safetensors-file.js';
import { disposeAll, REFERENCE_DIRECTORY, rawHeader, rawSafetensors } from './test-helpers.js';

/**
 * Seeded random corruptions of valid files. Every outcome must be either a successful load or a
 * TesseraError with an E_SAFETENSORS_* code: never a TypeError, RangeError, a crash inside tfjs,
 * a hang, or a leaked tensor.
 */

type Random = () => number;
type Mutation = (bytes: Uint8Array, random: Random) => Uint8Array;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const flipBits: Mutation = (bytes, random) => {
  const copy = bytes.slice();
  for (let i = randomInteger(random, 1, 8); i > 0; i--) {
    copy[Math.floor(random() * copy.length)]! ^= 1 << randomInteger(random, 0, 7);
  }
  return copy;
};

/** Flips bits in the tensor data: the file stays valid unless a value no longer fits (I64 → int32). */
const flipDataBits: Mutation = (bytes, random) => {
  const copy = bytes.slice();
  const dataStart = 8 + rawHeader(bytes).length;
  if (dataStart >= copy.length) return copy;
  for (let i = randomInteger(random, 1, 4); i > 0; i--) {
    copy[dataStart + Math.floor(random() * (copy.length - dataStart))]! ^= 1 << randomInteger(random, 0, 7);
  }
  return copy;
};

/** Overwrites bytes, mostly in the length prefix and header where they matter most. */
const overwriteBytes: Mutation = (bytes, random) => {
  const copy = bytes.slice();
  // The length prefix may already be corrupt (stacked mutations): clamp, do not parse.
  const headerEnd = Math.min(copy.length, 8 + Number(new DataView(copy.buffer).getBigUint64(0, true)));
  for (let i = randomInteger(random, 1, 4); i > 0; i--) {
    const limit = random() < 0.7 ? headerEnd : copy.length;
    copy[Math.floor(random() * limit)] = pick(random, [0, 0xff, 0x22, 0x7b, 0x7d, 0x2c, 0x2d, 0x31, 0x80]);
  }
  return copy;
};

const truncate: Mutation = (bytes, random) => bytes.slice(0, Math.floor(random() * bytes.length));

const appendBytes: Mutation = (bytes, random) => {
  const extra = Uint8Array.from({ length: randomInteger(random, 1, 16) }, () => Math.floor(random() * 256));
  return Uint8Array.from([...bytes, ...extra]);
};

const editHeaderLength: Mutation = (bytes, random) => {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const length = view.getBigUint64(0, true);
  const choices = [
    () => length + BigInt(randomInteger(random, 1, 64)),
    () => length - BigInt(randomInteger(random, 1, 64)),
    () => 0n,
    () => BigInt(Math.floor(random() * 2 ** 32)),
    () => (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32)),
    () => 2n ** 64n - 1n,
    () => BigInt(copy.length),
  ];
  const value = pick(random, choices)();
  view.setBigUint64(0, value < 0n ? 0n : value, true);
  return copy;
};

const strangeValues = [-1, 0, 0.5, 3, 1e20, 2 ** 53, '4', null, true, [], {}, [1, 2, 3]];

/** Edits the parsed header (offsets, dtypes, shapes, metadata), re-encoded with a correct length. */
const editHeaderJson: Mutation = (bytes, random) => {
  const { length, header } = rawHeader(bytes);
  const data = bytes.subarray(8 + length);
  const entries = header as unknown as Record<string, Record<string, unknown>>;
  const names = Object.keys(entries).filter((name) => name !== '__metadata__');
  const a = pick(random, names);
  const b = pick(random, names);
  const edits = [
    () => ([entries[a]!.data_offsets, entries[b]!.data_offsets] = [entries[b]!.data_offsets, entries[a]!.data_offsets]),
    () => ([entries[a]!.dtype, entries[b]!.dtype] = [entries[b]!.dtype, entries[a]!.dtype]),
    () => ([entries[a]!.shape, entries[b]!.shape] = [entries[b]!.shape, entries[a]!.shape]),
    () => (entries[a]!.dtype = pick(random, ['F64', 'I8', 'U16', 'f32', 'F32 ', 'BF16', 'I64', 'U8', 5, null])),
    () => {
      const shape = [...(entries[a]!.shape as unknown[])];
      shape[Math.floor(random() * (shape.length + 1))] = pick(random, strangeValues);
      entries[a]!.shape = shape;
    },
    () => {
      const offsets = [...(entries[a]!.data_offsets as unknown[])];
      offsets[randomInteger(random, 0, 1)] = pick(random, [...strangeValues, data.length, data.length + 1]);
      entries[a]!.data_offsets = offsets;
    },
    () => (entries[a]!.data_offsets = (entries[a]!.data_offsets as number[]).slice().reverse()),
    () => delete entries[a]![pick(random, ['dtype', 'shape', 'data_offsets'])],
    () => delete entries[a],
    () => (entries[a] = pick(random, strangeValues) as Record<string, unknown>),
    () => (entries.__metadata__ = pick(random, [{ k: 1 }, ['x'], 'text', 7, null, { k: 'v' }]) as never),
    () => (entries[`${a}.copy`] = { ...entries[a] }),
  ];
  pick(random, edits)();
  const replaceWhole = random() < 0.05;
  const text = replaceWhole ? JSON.stringify(pick(random, [[], 1, null, 'header', true])) : JSON.stringify(entries);
  return rawSafetensors(text + ' '.repeat(randomInteger(random, 0, 7)), data);
};

/** Corrupts the JSON text itself (stray characters, deletions, invalid UTF-8). */
const editHeaderText: Mutation = (bytes, random) => {
  const { length } = rawHeader(bytes);
  const text = Array.from(bytes.subarray(8, 8 + length));
  const position = Math.floor(random() * text.length);
  const edit = pick(random, ['insert', 'delete', 'utf8']);
  if (edit === 'delete') text.splice(position, 1);
  else if (edit === 'insert') text.splice(position, 0, pick(random, [0x2c, 0x22, 0x5b, 0x7d, 0x3a, 0x20, 0x30]));
  else text.splice(position, 0, ...pick(random, [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80]]));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(text.length), true);
  return Uint8Array.from([...prefix, ...text, ...bytes.subarray(8 + length)]);
};

const mutations: [string, Mutation][] = [
  ['flip bits', flipBits],
  ['flip data bits', flipDataBits],
  ['overwrite bytes', overwriteBytes],
  ['truncate', truncate],
  ['append bytes', appendBytes],
  ['edit header length', editHeaderLength],
  ['edit header JSON', editHeaderJson],
  ['edit header text', editHeaderText],
];

const byteMutations = [flipBits, overwriteBytes, truncate, appendBytes, editHeaderLength];

/** Outcome: 'ok' or the error code; anything but a TesseraError is returned as 'UNEXPECTED …'. */
function outcome(run: () => void): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (isTesseraError(error) && error.message.startsWith(`${error.code}: `)) return error.code;
    return `UNEXPECTED ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}

let seeds: Uint8Array[];

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  const tensors = {
    'embedding.weight': tf.randomNormal([6, 4], 0, 1, 'float32', 1),
    'norm.bias': tf.tensor([0.5, -1, 2]),
    'positions.ids': tf.tensor([0, 1, 2, 3, -7], [5], 'int32'),
    'attention.mask': tf.tensor([1, 0, 1, 1], [2, 2], 'bool'),
    'head.weight': tf.tensor([1.5, -0.25, 3, 100], [2, 2]),
    scalar: tf.scalar(4),
  };
  const floatDtype = (name: string) => (name === 'head.weight' ? 'BF16' : name === 'norm.bias' ? 'F16' : 'F32');
  seeds = [
    serializeSafetensors(tensors, { floatDtype, metadata: { step: '7' } }),
    // numpy's file adds I64 (range-checked), U8 and empty tensors to the decoders fuzzed.
    new Uint8Array(await readFile(join(REFERENCE_DIRECTORY, 'reference.safetensors'))),
  ];
  disposeAll(tensors);
});

describe('fuzzed safetensors input', () => {
  it('fails only with TesseraError over 3,000 seeded mutations, leaking no tensor', () => {
    const random = seededRandom(2024);
    const before = tf.memory().numTensors;
    const counts: Record<string, number> = {};
    const unexpected: string[] = [];
    for (let iteration = 0; iteration < 3000; iteration++) {
      const [mutationName, mutate] = mutations[iteration % mutations.length]!;
      let bytes = mutate(pick(random, seeds), random);
      // Sometimes stack a byte-level mutation (these need no parseable header).
      if (random() < 0.2 && bytes.length >= 8) bytes = pick(random, byteMutations)(bytes, random);
      const result = outcome(() => disposeAll(deserializeSafetensors(bytes).tensors));
      counts[result] = (counts[result] ?? 0) + 1;
      if (result.startsWith('UNEXPECTED')) unexpected.push(`#${iteration} ${mutationName}: ${result}`);
    }
    expect(unexpected).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    // The mutations reach every check, and some leave a still-valid file.
    for (const code of [
      'ok',
      'E_SAFETENSORS_HEADER',
      'E_SAFETENSORS_JSON',
      'E_SAFETENSORS_OFFSETS',
      'E_SAFETENSORS_DTYPE',
      'E_SAFETENSORS_SHAPE',
      'E_SAFETENSORS_RANGE',
    ]) {
      expect(counts[code] ?? 0, `${code} in ${JSON.stringify(counts)}`).toBeGreaterThan(0);
    }
  });

  it('gives the same outcome through files as through bytes', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-safetensors-fuzz-'));
    const random = seededRandom(77);
    const before = tf.memory().numTensors;
    try {
      for (let iteration = 0; iteration < 40; iteration++) {
        const bytes = pick(random, mutations)[1](pick(random, seeds), random);
        const path = join(directory, `case-${iteration}.safetensors`);
        await writeFile(path, bytes);
        const fromBytes = outcome(() => disposeAll(deserializeSafetensors(bytes).tensors));
        let fromFile: string;
        try {
          disposeAll((await loadSafetensors(path)).tensors);
          fromFile = 'ok';
        } catch (error) {
          fromFile = isTesseraError(error) ? error.code : `UNEXPECTED ${String(error)}`;
        }
        expect(fromFile, `case ${iteration}`).toBe(fromBytes);
        // The header alone is valid exactly when the bytes failed for a reason beyond the header.
        const headerOutcome = await readSafetensorsHeader(path).then(
          () => 'ok',
          (error: unknown) => (isTesseraError(error) ? error.code : `UNEXPECTED ${String(error)}`),
        );
        expect(headerOutcome.startsWith('UNEXPECTED'), headerOutcome).toBe(false);
        if (fromBytes === 'ok') expect(headerOutcome).toBe('ok');
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

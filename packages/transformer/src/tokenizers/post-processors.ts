import { MAX_TOKEN_ID } from './bpe-model.js';
import {
  checkDepth,
  componentType,
  expectArray,
  expectIndex,
  expectObject,
  expectString,
  formatError,
  type JsonObject,
  unsupported,
} from './json-fields.js';

/**
 * A `tokenizer.json` post-processor for one sequence: the ids to put before and after it when
 * special tokens are added (Llama 2's `<s>`, a Llama 3 TemplateProcessing's `<|begin_of_text|>`,
 * BERT's `[CLS]` … `[SEP]`). ByteLevel post-processing only moves offsets, so adds nothing.
 */
export interface SpecialTokenFrame {
  before: number[];
  after: number[];
}

const SUPPORTED = ['TemplateProcessing', 'ByteLevel', 'Sequence', 'BertProcessing', 'RobertaProcessing'] as const;

const NONE: SpecialTokenFrame = { before: [], after: [] };

/** `["[SEP]", 102]`: the id, checked. */
function tokenPair(value: unknown, path: string): number {
  const pair = expectArray(value, path);
  if (pair.length !== 2 || typeof pair[0] !== 'string') throw formatError(path, '[token, id]', value);
  return expectIndex(pair[1], `${path}[1]`, MAX_TOKEN_ID);
}

/** TemplateProcessing's `single`: `SpecialToken` entries before and after the one `Sequence` (A). */
function template(fields: JsonObject, path: string): SpecialTokenFrame {
  const specialTokens = expectObject(fields.special_tokens ?? {}, `${path}.special_tokens`);
  const frame: SpecialTokenFrame = { before: [], after: [] };
  let sequences = 0;
  expectArray(fields.single, `${path}.single`).forEach((piece, index) => {
    const where = `${path}.single[${index}]`;
    const entry = expectObject(piece, where);
    if ('Sequence' in entry) {
      expectObject(entry.Sequence, `${where}.Sequence`);
      sequences++;
      return;
    }
    const special = expectObject(entry.SpecialToken, `${where}.SpecialToken`);
    const name = expectString(special.id, `${where}.SpecialToken.id`);
    if (!Object.hasOwn(specialTokens, name)) {
      throw formatError(`${path}.special_tokens`, `an entry for ${JSON.stringify(name.slice(0, 40))}`, undefined);
    }
    const definition = expectObject(
      specialTokens[name],
      `${path}.special_tokens[${JSON.stringify(name.slice(0, 40))}]`,
    );
    const ids = expectArray(definition.ids, `${path}.special_tokens.${name.slice(0, 40)}.ids`).map((id, position) =>
      expectIndex(id, `${path}.special_tokens.${name.slice(0, 40)}.ids[${position}]`, MAX_TOKEN_ID),
    );
    const side = sequences === 0 ? frame.before : frame.after;
    for (const id of ids) side.push(id);
  });
  if (sequences !== 1) throw formatError(`${path}.single`, 'a template with one Sequence', fields.single);
  return frame;
}

/** Builds the frame `tokenizer.json`'s `post_processor` puts around a single sequence (null: none). */
export function parsePostProcessor(value: unknown, path = 'post_processor', depth = 0): SpecialTokenFrame {
  if (value === null || value === undefined) return NONE;
  checkDepth(depth, path);
  const { type, fields } = componentType(value, path);
  switch (type) {
    case 'TemplateProcessing':
      return template(fields, path);
    case 'ByteLevel':
      return NONE;
    case 'BertProcessing':
    case 'RobertaProcessing':
      return { before: [tokenPair(fields.cls, `${path}.cls`)], after: [tokenPair(fields.sep, `${path}.sep`)] };
    case 'Sequence': {
      // Each processor frames what the previous ones made.
      const frames = expectArray(fields.processors, `${path}.processors`).map((processor, index) =>
        parsePostProcessor(processor, `${path}.processors[${index}]`, depth + 1),
      );
      return frames.reduce(
        (outer, inner) => ({ before: [...inner.before, ...outer.before], after: [...outer.after, ...inner.after] }),
        NONE,
      );
    }
    default:
      throw unsupported(path, `post-processor type ${JSON.stringify(type.slice(0, 40))}`, SUPPORTED);
  }
}

import {
  checkDepth,
  componentType,
  expectArray,
  expectPattern,
  expectString,
  type JsonPattern,
  optionalBoolean,
  unsupported,
} from './json-fields.js';
import { compileOnigurumaPattern } from './oniguruma-pattern.js';

/** A `tokenizer.json` normalizer: text in, text out (the Rust crate also tracks offsets; ids do not need them). */
export type Normalizer = (text: string) => string;

const SUPPORTED = [
  'Sequence',
  'NFC',
  'NFD',
  'NFKC',
  'NFKD',
  'Lowercase',
  'Strip',
  'StripAccents',
  'Replace',
  'Prepend',
] as const;

/** Rust's `char::is_whitespace` is Unicode White_Space (JS `trim` differs: it strips U+FEFF, keeps U+0085). */
const LEADING_WHITESPACE = /^\p{White_Space}+/u;
const TRAILING_WHITESPACE = /\p{White_Space}+$/u;

/** Replaces every match of a tokenizer.json pattern by `content`, taken literally (no `$1`). */
export function patternReplacer(pattern: JsonPattern, content: string): (text: string) => string {
  if (pattern.kind === 'string') {
    return pattern.source === '' ? (text) => text : (text) => text.split(pattern.source).join(content);
  }
  const regex = compileOnigurumaPattern(pattern.source);
  return (text) => text.replace(regex, () => content);
}

/** Builds the normalizer `tokenizer.json`'s `normalizer` describes (null: none). */
export function parseNormalizer(value: unknown, path = 'normalizer', depth = 0): Normalizer | undefined {
  if (value === null || value === undefined) return undefined;
  checkDepth(depth, path);
  const { type, fields } = componentType(value, path);
  switch (type) {
    case 'Sequence': {
      const steps = expectArray(fields.normalizers, `${path}.normalizers`).map((step, index) =>
        parseNormalizer(step, `${path}.normalizers[${index}]`, depth + 1),
      );
      return (text) => steps.reduce((current, step) => (step === undefined ? current : step(current)), text);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (text) => text.normalize(type);
    case 'Lowercase':
      // Character by character, as Rust's char::to_lowercase: no final-sigma rule (JS applies one).
      return (text) => Array.from(text, (character) => character.toLowerCase()).join('');
    case 'Strip': {
      const left = optionalBoolean(fields.strip_left, `${path}.strip_left`, true);
      const right = optionalBoolean(fields.strip_right, `${path}.strip_right`, true);
      return (text) => {
        let stripped = left ? text.replace(LEADING_WHITESPACE, '') : text;
        if (right) stripped = stripped.replace(TRAILING_WHITESPACE, '');
        return stripped;
      };
    }
    case 'StripAccents':
      return (text) => text.replace(/\p{M}/gu, '');
    case 'Replace':
      return patternReplacer(
        expectPattern(fields.pattern, `${path}.pattern`),
        expectString(fields.content, `${path}.content`),
      );
    case 'Prepend': {
      const prepend = expectString(fields.prepend, `${path}.prepend`);
      return (text) => (text === '' ? text : prepend + text);
    }
    default:
      throw unsupported(path, `normalizer type ${JSON.stringify(type.slice(0, 40))}`, SUPPORTED);
  }
}

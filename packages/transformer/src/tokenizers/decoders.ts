import { characterToByte } from './byte-level.js';
import {
  checkDepth,
  componentType,
  expectArray,
  expectPattern,
  expectString,
  formatError,
  optionalBoolean,
  optionalIndex,
  unsupported,
} from './json-fields.js';
import { patternReplacer } from './normalizers.js';

/** A `tokenizer.json` decoder: tokens in, (fewer) strings out; the caller joins them. */
export type Decoder = (tokens: string[]) => string[];

const SUPPORTED = ['Sequence', 'ByteLevel', 'ByteFallback', 'Fuse', 'Replace', 'Strip', 'Metaspace'] as const;

const utf8 = new TextEncoder();
/** As Rust's String::from_utf8_lossy: one U+FFFD per maximal invalid subsequence; a leading BOM is kept. */
const lossyUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** The crate's ByteLevel decoder: a token of byte characters gives its bytes, any other token (an added one) its UTF-8. */
function byteLevel(tokens: string[]): string[] {
  const bytes: number[] = [];
  for (const token of tokens) {
    const own: number[] = [];
    let byteLevelToken = true;
    for (const character of token) {
      const byte = characterToByte.get(character);
      if (byte === undefined) {
        byteLevelToken = false;
        break;
      }
      own.push(byte);
    }
    // Loops, not push(...spread): a token can be longer than a call's argument limit.
    for (const byte of byteLevelToken ? own : utf8.encode(token)) bytes.push(byte);
  }
  return [lossyUtf8.decode(Uint8Array.from(bytes))];
}

/** Runs of `<0xXX>` tokens become their text; a run that is not valid UTF-8 gives one U+FFFD per byte. */
function byteFallback(tokens: string[]): string[] {
  const decoded: string[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    try {
      decoded.push(strictUtf8.decode(Uint8Array.from(run)));
    } catch {
      for (let index = 0; index < run.length; index++) decoded.push('\uFFFD');
    }
    run = [];
  };
  for (const token of tokens) {
    const byte = BYTE_TOKEN.exec(token);
    if (byte !== null) run.push(Number.parseInt(byte[1] as string, 16));
    else {
      flush();
      decoded.push(token);
    }
  }
  flush();
  return decoded;
}

/** Builds the decoder `tokenizer.json`'s `decoder` describes (null: tokens joined by spaces). */
export function parseDecoder(value: unknown, path = 'decoder', depth = 0): Decoder | undefined {
  if (value === null || value === undefined) return undefined;
  checkDepth(depth, path);
  const { type, fields } = componentType(value, path);
  switch (type) {
    case 'Sequence': {
      const steps = expectArray(fields.decoders, `${path}.decoders`).map((step, index) =>
        parseDecoder(step, `${path}.decoders[${index}]`, depth + 1),
      );
      return (tokens) => steps.reduce((current, step) => (step === undefined ? current : step(current)), tokens);
    }
    case 'ByteLevel':
      return byteLevel;
    case 'ByteFallback':
      return byteFallback;
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Replace': {
      const replace = patternReplacer(
        expectPattern(fields.pattern, `${path}.pattern`),
        expectString(fields.content, `${path}.content`),
      );
      return (tokens) => tokens.map(replace);
    }
    case 'Strip': {
      const content = expectString(fields.content, `${path}.content`);
      if ([...content].length !== 1) throw formatError(`${path}.content`, 'one character', content);
      const start = optionalIndex(fields.start, `${path}.start`, 0);
      const stop = optionalIndex(fields.stop, `${path}.stop`, 0);
      return (tokens) => tokens.map((token) => strip(token, content, start, stop));
    }
    case 'Metaspace': {
      const replacement = expectString(fields.replacement ?? '▁', `${path}.replacement`);
      let scheme = fields.prepend_scheme;
      if (scheme === undefined || scheme === null) {
        scheme = optionalBoolean(fields.add_prefix_space, `${path}.add_prefix_space`, true) ? 'always' : 'never';
      }
      // The crate drops every replacement of the first token (where the pre-tokenizer prepended one)
      // unless nothing was prepended, and turns the others into spaces.
      return (tokens) =>
        tokens.map((token, index) => token.split(replacement).join(index === 0 && scheme !== 'never' ? '' : ' '));
    }
    default:
      throw unsupported(path, `decoder type ${JSON.stringify(type.slice(0, 40))}`, SUPPORTED);
  }
}

/** The crate's Strip decoder: up to `start` leading and `stop` trailing `content` characters go. */
function strip(token: string, content: string, start: number, stop: number): string {
  const characters = Array.from(token);
  let startCut = 0;
  while (startCut < start && characters[startCut] === content) startCut++;
  let stopCut = 0;
  while (
    stopCut < stop &&
    characters.length - 1 - stopCut >= startCut &&
    characters[characters.length - 1 - stopCut] === content
  )
    stopCut++;
  return characters.slice(startCut, characters.length - stopCut).join('');
}

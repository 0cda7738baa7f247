import { TesseraError } from '@tessera/core';
import { parseDocument } from 'yaml';

/**
 * Config files to plain data, at the boundary, with limits: UTF-8 only (other bytes are refused,
 * as WordPiece vocabularies are, never replaced by U+FFFD), at most {@link MAX_CONFIG_BYTES}, and
 * values of JSON's kinds only (objects, arrays, strings, finite numbers, booleans, null), nested at
 * most {@link MAX_CONFIG_DEPTH} deep and without alias cycles. Past these, the YAML parser, zod and
 * error messages would overflow the stack or spin; here they are `E_CONFIG` (`E_CONFIG_ENCODING`
 * for bytes that are not UTF-8) naming the file.
 */

/** A run config is a page of settings; 1 MiB is far beyond any. */
export const MAX_CONFIG_BYTES = 2 ** 20;
/** Nesting depth of objects and arrays; a run config uses 3. */
export const MAX_CONFIG_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeConfigBytes(bytes: Uint8Array, path: string): string {
  if (bytes.length > MAX_CONFIG_BYTES) {
    throw new TesseraError('E_CONFIG', `${path} is ${bytes.length} bytes; a config is at most ${MAX_CONFIG_BYTES}`);
  }
  try {
    // The decoder drops a leading byte-order mark.
    return utf8.decode(bytes);
  } catch (error) {
    throw new TesseraError('E_CONFIG_ENCODING', `${path} is not valid UTF-8 text; save it as UTF-8`, { cause: error });
  }
}

/**
 * The deepest `[` / `{` nesting of YAML or JSON text, skipping quoted strings and comments: a
 * guard run before the YAML parser, whose time and stack grow with nesting.
 */
function flowNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: '"' | "'" | undefined;
  let previous = '\n';
  for (let index = 0; index < text.length; index++) {
    const character = text[index] as string;
    if (quote === '"') {
      if (character === '\\') index++;
      else if (character === '"') quote = undefined;
    } else if (quote === "'") {
      if (character === "'") quote = undefined; // '' (an escaped quote) reopens at once
    } else if (character === '"' || (character === "'" && /[\s[{,:]/.test(previous))) {
      quote = character;
    } else if (character === '#' && /\s/.test(previous)) {
      while (index + 1 < text.length && text[index + 1] !== '\n') index++;
    } else if (character === '[' || character === '{') {
      deepest = Math.max(deepest, ++depth);
    } else if (character === ']' || character === '}') {
      depth = Math.max(0, depth - 1);
    }
    previous = character;
  }
  return deepest;
}

/** Parses YAML or JSON text; syntax errors and the limits above are `E_CONFIG` naming `path`. */
export function parseConfigText(text: string, path: string, format: 'yaml' | 'json'): unknown {
  const kind = format === 'yaml' ? 'YAML' : 'JSON';
  if (flowNestingDepth(text) > MAX_CONFIG_DEPTH) {
    throw new TesseraError('E_CONFIG', `${path} nests brackets more than ${MAX_CONFIG_DEPTH} deep`);
  }
  let raw: unknown;
  try {
    raw = format === 'yaml' ? parseYamlStrictly(text) : JSON.parse(text);
  } catch (error) {
    const reason = error instanceof RangeError ? 'it nests too deeply' : (error as Error).message.split('\n')[0];
    throw new TesseraError('E_CONFIG', `${path} is not valid ${kind}: ${reason}`);
  }
  checkPlainData(raw, `${path}: `);
  return raw;
}

/**
 * YAML to a value, with the parser's warnings (an unknown tag such as `!!python/object`, kept as a
 * string otherwise) treated as errors, and aliases expanded at most 100 times (yaml's guard).
 */
function parseYamlStrictly(text: string): unknown {
  const document = parseDocument(text);
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw problem;
  return document.toJS({ maxAliasCount: 100 });
}

/**
 * Walks a parsed value with an explicit stack (recursion is what deep input breaks): only JSON's
 * kinds of values, at most MAX_CONFIG_DEPTH deep, no object inside itself (YAML `&a [*a]`).
 * Shared values (an alias used twice) are fine. Errors read `<prefix><field.path>: …`.
 */
export function checkPlainData(root: unknown, prefix = ''): void {
  const fail = (where: string, problem: string) => new TesseraError('E_CONFIG', `${prefix}${where}: ${problem}`);
  const stack: { value: unknown; depth: number; where: string; ancestors: ReadonlySet<object> }[] = [
    { value: root, depth: 0, where: '(config)', ancestors: new Set() },
  ];
  while (stack.length > 0) {
    const { value, depth, where, ancestors } = stack.pop() as (typeof stack)[number];
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw fail(where, `expected a finite number, found ${value}`);
      continue;
    }
    const prototype = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
    if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
      const found = typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : typeof value;
      throw fail(where, `expected an object, list, string, number, boolean or null, found ${found}`);
    }
    const node = value as object;
    if (ancestors.has(node)) throw fail(where, 'contains itself (an alias cycle)');
    if (depth >= MAX_CONFIG_DEPTH) throw fail(where, `nests more than ${MAX_CONFIG_DEPTH} levels deep`);
    const inside = new Set(ancestors).add(node);
    for (const [key, child] of Object.entries(node)) {
      stack.push({
        value: child,
        depth: depth + 1,
        where: where === '(config)' ? key : `${where}.${key}`,
        ancestors: inside,
      });
    }
  }
}

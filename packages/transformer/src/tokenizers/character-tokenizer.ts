import { TesseraError } from '@tessera/core';

/**
 * Characters as tokens, nanoGPT's shakespeare_char scheme: the vocabulary is the sorted set of
 * characters (by code point) in the training text. Works on code points, so characters outside
 * the Basic Multilingual Plane are single tokens.
 */
export class CharacterTokenizer {
  private readonly ids: Map<string, number>;

  constructor(readonly characters: readonly string[]) {
    this.ids = new Map(characters.map((character, id) => [character, id]));
    if (this.ids.size !== characters.length)
      throw new TesseraError('E_TOKENIZER_VOCABULARY', 'the vocabulary has repeated characters');
  }

  /** The vocabulary of a corpus: every distinct character, sorted by code point. */
  static fromText(text: string): CharacterTokenizer {
    return new CharacterTokenizer(
      [...new Set(Array.from(text))].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number)),
    );
  }

  get vocabularySize(): number {
    return this.characters.length;
  }

  encode(text: string): number[] {
    return Array.from(text, (character) => {
      const id = this.ids.get(character);
      if (id === undefined) {
        throw new TesseraError(
          'E_TOKENIZER_UNKNOWN',
          `character ${JSON.stringify(character)} (U+${(character.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}) is not in the vocabulary`,
        );
      }
      return id;
    });
  }

  decode(ids: Iterable<number>): string {
    let text = '';
    for (const id of ids) {
      const character = this.characters[id];
      if (character === undefined)
        throw new TesseraError('E_TOKENIZER_ID', `token id ${id} is outside [0, ${this.vocabularySize})`);
      text += character;
    }
    return text;
  }

  toJSON(): { type: 'character'; characters: readonly string[] } {
    return { type: 'character', characters: this.characters };
  }

  static fromJSON(json: { type: string; characters: string[] }): CharacterTokenizer {
    if (json.type !== 'character')
      throw new TesseraError('E_TOKENIZER_FORMAT', `expected a character tokenizer, found type '${json.type}'`);
    return new CharacterTokenizer(json.characters);
  }
}

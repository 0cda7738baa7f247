import { describe, expect, it } from 'vitest';
import { StopSequenceFilter } from './stop-sequences.js';

/** Feeds the completion as it grows piece by piece; returns what was sent after each piece. */
function feed(stops: string[], pieces: string[]) {
  const filter = new StopSequenceFilter(stops);
  let text = '';
  const sent: string[] = [];
  for (const piece of pieces) {
    text += piece;
    sent.push(filter.next(text));
    if (filter.stopped) break;
  }
  sent.push(filter.rest(text));
  return { sent, joined: sent.join(''), final: filter.final(text), stopped: filter.stopped };
}

/** The reference: the text before the first occurrence of any stop string. */
function trimmed(text: string, stops: string[]): string {
  const indices = stops.map((stop) => text.indexOf(stop)).filter((index) => index >= 0);
  return indices.length === 0 ? text : text.slice(0, Math.min(...indices));
}

describe('StopSequenceFilter', () => {
  it('passes text straight through when there are no stop strings', () => {
    expect(feed([], ['ab', 'c', 'd'])).toEqual({
      sent: ['ab', 'c', 'd', ''],
      joined: 'abcd',
      final: 'abcd',
      stopped: false,
    });
  });

  it('stops at a stop string split across pieces, and never sends its start', () => {
    const pieces = ['hello', ' wor', 'ld\nu', 'ser: more'];
    const result = feed(['\nuser:'], pieces);
    expect(result.stopped).toBe(true);
    expect(result.final).toBe(trimmed(pieces.join(''), ['\nuser:']));
    expect(result.joined).toBe(result.final);
    expect(result.sent.some((delta) => delta.includes('\n'))).toBe(false);
  });

  it('holds back a possible start until it turns out not to be one', () => {
    const result = feed(['\nuser:'], ['ab\n', 'us', 'x']);
    expect(result.sent).toEqual(['ab', '', '\nusx', '']);
    expect(result.stopped).toBe(false);
  });

  it('ends at the earliest of several stop strings', () => {
    const pieces = ['one two', ' three', ' four'];
    const stops = ['four', 'two'];
    const result = feed(stops, pieces);
    expect(result.final).toBe(trimmed(pieces.join(''), stops));
    expect(result.final).toBe('one ');
    expect(result.joined).toBe('one ');
  });

  it('a stop string at the very start leaves an empty answer', () => {
    expect(feed(['ab'], ['abc'])).toMatchObject({ joined: '', final: '', stopped: true });
  });

  it('holds back a trailing U+FFFD (an unfinished character) until it is settled', () => {
    const filter = new StopSequenceFilter([]);
    expect(filter.next('caf\uFFFD')).toBe('caf');
    expect(filter.next('café')).toBe('é');
    expect(filter.rest('café')).toBe('');
    // At the end, whatever is left is sent, replacement characters included.
    const unfinished = new StopSequenceFilter([]);
    expect(unfinished.next('x\uFFFD')).toBe('x');
    expect(unfinished.rest('x\uFFFD')).toBe('\uFFFD');
  });

  it('ignores empty stop strings', () => {
    expect(feed([''], ['ab', 'c'])).toMatchObject({ joined: 'abc', stopped: false });
  });
});

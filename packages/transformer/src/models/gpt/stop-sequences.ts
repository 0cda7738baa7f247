/**
 * Stop strings over a completion that grows token by token (OpenAI's `stop`): generation ends as
 * soon as the decoded text contains one, and the answer is the text before it. Streaming must not
 * send text that may turn out to be the start of a stop string, nor a U+FFFD that only stands for
 * the first bytes of a character a byte-level tokenizer has not finished yet, so `next` holds such
 * a tail back until the following tokens settle it.
 */
export class StopSequenceFilter {
  private readonly stops: readonly string[];
  /** Characters of the completion already handed out. */
  private sent = 0;
  private stopAt: number | undefined;

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((stop) => stop.length > 0);
  }

  /** True once a stop string has appeared. */
  get stopped(): boolean {
    return this.stopAt !== undefined;
  }

  /**
   * Takes the whole decoded completion so far; returns the text that became safe to send since
   * the last call (possibly empty). After a stop string appears, it returns the text up to it and
   * `stopped` is true.
   */
  next(text: string): string {
    if (this.stopAt !== undefined) return '';
    const found = this.firstStop(text);
    if (found !== undefined) {
      this.stopAt = Math.max(found, this.sent);
      return this.take(text, this.stopAt);
    }
    return this.take(text, text.length - this.heldBack(text));
  }

  /** The rest once generation has ended without a stop: everything not sent yet. */
  rest(text: string): string {
    return this.stopAt === undefined ? this.take(text, text.length) : '';
  }

  /** The answer's text: the completion up to the first stop string, or all of it. */
  final(text: string): string {
    return this.stopAt === undefined ? text : text.slice(0, this.stopAt);
  }

  private take(text: string, end: number): string {
    if (end <= this.sent) return '';
    const piece = text.slice(this.sent, end);
    this.sent = end;
    return piece;
  }

  private firstStop(text: string): number | undefined {
    let first: number | undefined;
    for (const stop of this.stops) {
      const index = text.indexOf(stop);
      if (index >= 0 && (first === undefined || index < first)) first = index;
    }
    return first;
  }

  /** How many trailing characters might still become a stop string or a different character. */
  private heldBack(text: string): number {
    let held = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > held; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          held = length;
          break;
        }
      }
    }
    let end = text.length - held;
    while (end > 0 && text[end - 1] === '\uFFFD') end--;
    return text.length - end;
  }
}

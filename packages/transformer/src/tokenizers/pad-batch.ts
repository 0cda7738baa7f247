import { TesseraError } from '@tessera/core';
import type { SpecialTokenFrame } from './post-processors.js';

export interface PadBatchSettings {
  padding: 'longest' | 'max_length' | false;
  maxLength: number | undefined;
  truncation: boolean;
  paddingSide: 'left' | 'right';
  truncationSide: 'left' | 'right';
  padTokenId: number | undefined;
}

/**
 * Frames, truncates and pads rows of content ids as transformers' fast tokenizers do: truncation
 * keeps room for the special tokens (the content is cut, the frame stays), padding fills with the
 * pad id on `paddingSide`, and the attention mask is 0 exactly where padding went.
 */
export function padBatch(
  rows: number[][],
  frame: SpecialTokenFrame,
  settings: PadBatchSettings,
): { inputIds: number[][]; attentionMask: number[][] } {
  const { padding, maxLength, truncation, paddingSide, truncationSide } = settings;
  if (padding !== false && padding !== 'longest' && padding !== 'max_length') {
    throw new TesseraError('E_TOKENIZER_OPTIONS', `unknown padding '${padding}'; use 'longest', 'max_length' or false`);
  }
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
    throw new TesseraError('E_TOKENIZER_OPTIONS', `maxLength must be a positive integer, got ${maxLength}`);
  }
  if ((padding === 'max_length' || truncation) && maxLength === undefined) {
    throw new TesseraError(
      'E_TOKENIZER_OPTIONS',
      `${truncation ? 'truncation' : "padding 'max_length'"} needs maxLength`,
    );
  }
  const framing = frame.before.length + frame.after.length;
  if (truncation && maxLength !== undefined && maxLength < framing) {
    throw new TesseraError(
      'E_TOKENIZER_TRUNCATION',
      `maxLength ${maxLength} leaves no room: the special tokens alone take ${framing}`,
    );
  }
  const inputIds = rows.map((content) => {
    let kept = content;
    if (truncation && maxLength !== undefined && content.length + framing > maxLength) {
      const room = maxLength - framing;
      kept = truncationSide === 'right' ? content.slice(0, room) : content.slice(content.length - room);
    }
    return [...frame.before, ...kept, ...frame.after];
  });
  const attentionMask = inputIds.map((row) => row.map(() => 1));
  if (padding === false) return { inputIds, attentionMask };
  const length =
    padding === 'max_length'
      ? (maxLength as number)
      : inputIds.reduce((longest, row) => Math.max(longest, row.length), 0);
  const padTokenId = settings.padTokenId;
  if (padTokenId === undefined) {
    throw new TesseraError(
      'E_TOKENIZER_PADDING',
      'the tokenizer has no pad_token to pad with; pass padTokenId (e.g. the eos id) or padding: false',
    );
  }
  const padded = inputIds.map((row) => {
    const pad = new Array<number>(Math.max(0, length - row.length)).fill(padTokenId);
    return paddingSide === 'right' ? row.concat(pad) : pad.concat(row);
  });
  const masks = attentionMask.map((mask) => {
    const zeros = new Array<number>(Math.max(0, length - mask.length)).fill(0);
    return paddingSide === 'right' ? mask.concat(zeros) : zeros.concat(mask);
  });
  return { inputIds: padded, attentionMask: masks };
}

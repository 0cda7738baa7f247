import { describe, expect, it } from 'vitest';
import { isTesseraError, TesseraError } from './errors.js';

describe('TesseraError', () => {
  it('carries a code, a category (input by default) and the detail, with the code first in the message', () => {
    const error = new TesseraError('E_EXAMPLE', 'what was wrong; what to do');
    expect(error.message).toBe('E_EXAMPLE: what was wrong; what to do');
    expect(error.code).toBe('E_EXAMPLE');
    expect(error.detail).toBe('what was wrong; what to do');
    expect(error.category).toBe('input');
    expect(error.name).toBe('TesseraError');
    expect(new TesseraError('E_X', 'gone', { category: 'not-found' }).category).toBe('not-found');
  });

  it('keeps the cause', () => {
    const cause = new Error('below');
    expect(new TesseraError('E_X', 'above', { cause }).cause).toBe(cause);
  });

  it('is recognised across copies of the package: instanceof and isTesseraError use a Symbol.for marker', () => {
    // A second copy of the class, as a second installed copy of @tessera/spec would define it.
    const marker = Symbol.for('tessera.error');
    class OtherCopy extends Error {
      readonly code = 'E_OTHER';
      readonly [marker] = true;
    }
    const foreign = new OtherCopy('E_OTHER: from another copy');
    expect(foreign instanceof TesseraError).toBe(true);
    expect(isTesseraError(foreign)).toBe(true);
    expect(isTesseraError(foreign, 'E_OTHER')).toBe(true);
    expect(isTesseraError(foreign, 'E_SOMETHING_ELSE')).toBe(false);
  });

  it('keeps the prototype check for subclasses', () => {
    class SubclassError extends TesseraError {}
    const sub = new SubclassError('E_SUB', 'a subclass');
    expect(sub instanceof SubclassError).toBe(true);
    expect(sub instanceof TesseraError).toBe(true);
    expect(new TesseraError('E_PLAIN', 'not a subclass') instanceof SubclassError).toBe(false);
  });

  it('is not fooled by plain errors or look-alikes without the marker', () => {
    const lookAlike = Object.assign(new Error('E_FAKE: x'), { name: 'TesseraError', code: 'E_FAKE' });
    expect(lookAlike instanceof TesseraError).toBe(false);
    expect(isTesseraError(lookAlike)).toBe(false);
    expect(isTesseraError(null)).toBe(false);
    expect(isTesseraError('E_X')).toBe(false);
  });
});

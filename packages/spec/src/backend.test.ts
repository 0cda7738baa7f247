import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, isBackendName } from './backend.js';

describe('backend names', () => {
  it('lists every backend once, GPU backends first and the pure-JavaScript reference last', () => {
    expect(new Set(BACKEND_NAMES).size).toBe(BACKEND_NAMES.length);
    expect(BACKEND_NAMES[0]).toBe('torch-cuda');
    expect(BACKEND_NAMES.at(-1)).toBe('cpu');
    expect(BACKEND_NAMES.indexOf('torch')).toBeLessThan(BACKEND_NAMES.indexOf('wasm'));
  });

  it('recognises backend names and nothing else', () => {
    for (const name of BACKEND_NAMES) expect(isBackendName(name)).toBe(true);
    for (const other of ['tensorflowjs', '', 'WASM', 3, null]) expect(isBackendName(other)).toBe(false);
  });
});

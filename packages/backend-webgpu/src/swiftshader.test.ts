import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSwiftShader } from './swiftshader.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-swiftshader-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(process.platform !== 'linux')('findSwiftShader', () => {
  it('finds the first ICD manifest of the list, with the Vulkan loader beside it when there is one', () => {
    const icdFile = join(directory, 'vk_swiftshader_icd.json');
    writeFileSync(icdFile, '{}');
    const missing = join(directory, 'missing', 'vk_swiftshader_icd.json');
    expect(findSwiftShader([missing, icdFile])).toEqual({ icdFile });
    writeFileSync(join(directory, 'libvulkan.so.1'), '');
    expect(findSwiftShader([missing, icdFile])).toEqual({ icdFile, vulkanLoader: join(directory, 'libvulkan.so.1') });
    expect(findSwiftShader([missing])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { adapterSummary, describeAdapterInfo } from './adapter-description.js';

describe('describeAdapterInfo', () => {
  it('classifies the software renderers by the names their drivers report', () => {
    const software = [
      // Dawn and Chrome on SwiftShader (measured here: Dawn 0.6 in Node, headless Chromium).
      {
        vendor: 'google',
        architecture: 'swiftshader',
        device: 'swiftshader-device-subzero-',
        description: 'SwiftShader driver 5.0.0',
      },
      // Mesa's software Vulkan (lavapipe) and OpenGL (llvmpipe) drivers.
      { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
      { vendor: '', architecture: '', device: 'lavapipe', description: '' },
      // Windows' WARP through D3D12.
      { vendor: 'microsoft', architecture: '', device: '', description: 'Microsoft Basic Render Driver' },
      { vendor: 'microsoft', architecture: 'warp', device: '', description: '' },
    ];
    for (const info of software) expect(describeAdapterInfo(info).software, JSON.stringify(info)).toBe(true);
  });

  it('believes the fallback flag wherever the platform sets it', () => {
    expect(describeAdapterInfo({ vendor: 'acme', isFallbackAdapter: true }).software).toBe(true);
    expect(describeAdapterInfo({ vendor: 'acme' }, true).software).toBe(true);
  });

  it('takes real GPUs for hardware, and reports them in one line', () => {
    const nvidia = describeAdapterInfo({
      vendor: 'nvidia',
      architecture: 'hopper',
      device: '',
      description: 'NVIDIA H100 80GB HBM3',
      isFallbackAdapter: false,
    });
    expect(nvidia).toEqual({
      vendor: 'nvidia',
      architecture: 'hopper',
      device: '',
      description: 'NVIDIA H100 80GB HBM3',
      software: false,
    });
    expect(adapterSummary(nvidia)).toBe('nvidia hopper (NVIDIA H100 80GB HBM3), hardware');
    expect(describeAdapterInfo({ vendor: 'apple', architecture: 'metal-3' }).software).toBe(false);
    expect(describeAdapterInfo({ vendor: 'intel', architecture: 'gen-12lp' }).software).toBe(false);
    expect(adapterSummary(describeAdapterInfo({}))).toBe('unnamed adapter, hardware');
  });
});

import { webgpuBackendAdapter } from '../webgpu-backend-adapter.js';

/**
 * Whether these tests can run here: WebGPU on any adapter, software included (in CI, the SwiftShader
 * of the `chromium` package .ci/run installs; this package finds it itself). Elsewhere, without a
 * GPU or Chromium, the WebGPU tests are skipped with the reason; in CI (`CI=true`) they fail instead,
 * so that a broken setup cannot pass as skipped tests.
 */
export const webgpuAvailability = await webgpuBackendAdapter.isAvailable({ explicit: true });

if (!webgpuAvailability.available && process.env.CI === 'true') {
  throw new Error(
    `WebGPU is unavailable in CI: ${webgpuAvailability.detail}. The tests run on the SwiftShader of Debian's chromium package (.ci/run installs it).`,
  );
}

/** Empty when WebGPU can be used; else why the WebGPU tests are skipped. */
export const skipReason = webgpuAvailability.available ? '' : `(skipped: ${webgpuAvailability.detail})`;

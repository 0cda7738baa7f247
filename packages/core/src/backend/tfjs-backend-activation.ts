import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '@tessera/spec';

/** Makes a backend some package registered with tfjs the active one (`cpu`, tfjs-node's `tensorflow`). */
export async function activateTfjsBackend(tfjsBackendName: string, packageName: string): Promise<void> {
  if (!(await tf.setBackend(tfjsBackendName))) {
    throw new TesseraError(
      'E_BACKEND_ACTIVATION',
      `tfjs could not initialise the '${tfjsBackendName}' backend from ${packageName}`,
      { category: 'unavailable' },
    );
  }
  await tf.ready();
  // tfjs-backend-cpu prints a banner urging tfjs-node on its first write in Node. Tessera reports
  // the backend choice itself (BackendInfo, `tessera backend`), so the banner is only noise.
  const backend = tf.backend() as { firstUse?: boolean };
  if (backend.firstUse === true) backend.firstUse = false;
}

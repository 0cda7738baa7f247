import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The library and the `tessera` executable (dist/bin.js, its `#!/usr/bin/env node` line kept).
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/bin.ts'], dts: { entry: 'src/index.ts' } }));

import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig(
  packageBuild({
    // tfjs-core's gradient registrations ship only as ESM with extensionless imports, which Node
    // cannot load; bundle that module (and the tfjs-core internals it reaches) into our build.
    noExternal: [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
  }),
);

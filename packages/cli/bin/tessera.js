#!/usr/bin/env node
// The `tessera` executable. npm links it when it installs, which in this repository is before
// anything is built, so it is a committed file that loads the build (dist/bin.js) and says how to
// make one when there is none.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  console.error(
    'tessera: @tessera/cli is not built (no dist/bin.js); run `npx turbo build --filter=@tessera/cli` first',
  );
  process.exit(1);
}
await import(built.href);

import * as recsys from '@tessera/recsys';
import * as transformer from '@tessera/transformer';
import * as vision from '@tessera/vision';

/**
 * The domain packages whose exports the CLI serves, predicts with and describes. Importing one
 * registers its export kinds with @tessera/core's registry; `serve`, `predict` and `info` then find
 * a kind by the manifest's `kind` and name none themselves, so a new kind in one of these packages
 * needs no change to the CLI.
 *
 * The module namespaces are referenced, not imported bare (`import '@tessera/vision'`), so that no
 * bundler can drop the import, and with it the registration (the packages declare side effects,
 * but a bare import of one that did not would vanish from this package's own build).
 */
const DOMAIN_PACKAGES: Record<string, object> = {
  '@tessera/recsys': recsys,
  '@tessera/transformer': transformer,
  '@tessera/vision': vision,
};

/** The names of the domain packages loaded (and so registered), for messages. */
export function domainPackageNames(): string[] {
  return Object.keys(DOMAIN_PACKAGES);
}

import { TesseraError } from '@tessera/core';
import { checkMaxUpdateNorm } from '../../federated-averaging/update-clipping.js';
import { checkFractionalBits, DEFAULT_FRACTIONAL_BITS, fixedPointRange } from '../../secure-aggregation/fixed-point.js';
import type { FederatedServerOptions } from '../federated-server-options.js';
import { plainServerRoundStrategy } from './plain-round-strategy.js';
import { secureAggregationServerRoundStrategy } from './secure-aggregation-round-strategy.js';
import type { ServerRoundStrategy } from './server-round-strategy.js';

/**
 * The server's kind of round, chosen once from its options and checked there: plain FedAvg, or
 * secure aggregation with its dropout tolerance, fractional bits and a maxUpdateNorm that keeps
 * masked sums inside the fixed-point range.
 */
export function serverRoundStrategy(
  options: Pick<FederatedServerOptions, 'secureAggregation' | 'maxUpdateNorm'>,
): ServerRoundStrategy {
  if (!options.secureAggregation) {
    return plainServerRoundStrategy({ maxUpdateNorm: checkMaxUpdateNorm(options.maxUpdateNorm) });
  }
  const settings = options.secureAggregation === true ? {} : options.secureAggregation;
  const fractionalBits = checkFractionalBits(settings.fractionalBits ?? DEFAULT_FRACTIONAL_BITS);
  const range = fixedPointRange(fractionalBits);
  const maxUpdateNorm = checkMaxUpdateNorm(options.maxUpdateNorm ?? range / 2) as number;
  if (maxUpdateNorm >= range) {
    throw new TesseraError(
      'E_FEDERATED_OPTIONS',
      `maxUpdateNorm ${maxUpdateNorm} must stay below the fixed-point range ±${range} of ${fractionalBits} fractional bits, or masked sums wrap around`,
    );
  }
  return secureAggregationServerRoundStrategy({
    dropoutTolerance: settings.dropoutTolerance ?? 1,
    fractionalBits,
    maxUpdateNorm,
  });
}

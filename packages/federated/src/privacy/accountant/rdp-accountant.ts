import { TesseraError } from '@tessera/core';
import { type PrivacySpent, rdpToEpsilon } from './privacy-spent.js';
import {
  checkOrders,
  checkSampledGaussian,
  computeRdp,
  DEFAULT_RDP_ORDERS,
  type SampledGaussianOptions,
} from './sampled-gaussian-rdp.js';

/** Steps taken with one (σ, q): the accountant's history, as Opacus's RDPAccountant keeps it. */
export interface PrivacyHistoryEntry extends SampledGaussianOptions {
  steps: number;
}

/**
 * Tracks the privacy spent by a run of DP-SGD: each step of the sampled Gaussian mechanism is
 * recorded, consecutive steps with the same (σ, q) merged, and ε is the RDP of the whole
 * composition converted at δ (see {@link rdpToEpsilon}). `history` is plain data, so a checkpoint
 * can save it and a resumed run restore it.
 */
export class RdpAccountant {
  history: PrivacyHistoryEntry[] = [];
  readonly orders: readonly number[];

  constructor(options: { orders?: readonly number[]; history?: PrivacyHistoryEntry[] } = {}) {
    this.orders = options.orders ?? DEFAULT_RDP_ORDERS;
    checkOrders(this.orders);
    for (const entry of options.history ?? []) this.step(entry, entry.steps);
  }

  /** Records `steps` (default 1) releases with noise multiplier σ at sampling rate q. */
  step(mechanism: SampledGaussianOptions, steps = 1): void {
    checkSampledGaussian(mechanism);
    if (!(Number.isInteger(steps) && steps >= 0)) {
      throw new TesseraError('E_PRIVACY_ARGUMENT', `steps must be a non-negative integer, got ${steps}`);
    }
    const last = this.history.at(-1);
    if (
      last !== undefined &&
      last.noiseMultiplier === mechanism.noiseMultiplier &&
      last.samplingRate === mechanism.samplingRate
    ) {
      last.steps += steps;
    } else {
      this.history.push({ noiseMultiplier: mechanism.noiseMultiplier, samplingRate: mechanism.samplingRate, steps });
    }
  }

  /** Steps recorded so far. */
  get steps(): number {
    return this.history.reduce((total, entry) => total + entry.steps, 0);
  }

  /** The (ε, δ) guarantee of everything recorded so far, and the order that gave it. */
  getPrivacySpent(delta: number): PrivacySpent {
    const rdp = this.orders.map(() => 0);
    for (const entry of this.history) {
      computeRdp({ ...entry, orders: this.orders }).forEach((value, index) => {
        rdp[index] = (rdp[index] as number) + value;
      });
    }
    return rdpToEpsilon({ orders: this.orders, rdp, delta });
  }

  /** ε at δ for everything recorded so far. */
  getEpsilon(delta: number): number {
    return this.getPrivacySpent(delta).epsilon;
  }
}

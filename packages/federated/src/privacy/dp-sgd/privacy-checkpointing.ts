import type { Callback } from '@tessera/trainers';
import type { PrivacyHistoryEntry, RdpAccountant } from '../accountant/rdp-accountant.js';

const STATE_KEY = 'privacyAccountant';

/**
 * Keeps the accountant's history in the trainer's checkpoints (`trainer.extraState`), and
 * restores it when a run resumes from one: without it a resumed run would count its privacy
 * spending from zero and report too small an ε.
 */
export function privacyCheckpointing(accountant: RdpAccountant): Callback {
  return {
    onTrainBegin(trainer) {
      const saved = trainer.extraState[STATE_KEY] as PrivacyHistoryEntry[] | undefined;
      if (saved !== undefined) accountant.history = structuredClone(saved);
    },
    onStepEnd(_, trainer) {
      trainer.extraState[STATE_KEY] = structuredClone(accountant.history);
    },
  };
}

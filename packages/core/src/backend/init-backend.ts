import { TesseraError } from '../errors.js';
import type { BackendAdapter, BackendCandidate, BackendInfo, BackendName } from './backend-adapter.js';
import { builtinBackendAdapters } from './package-adapters.js';

/** The environment variable that picks a backend when no explicit option is given. */
export const BACKEND_ENVIRONMENT_VARIABLE = 'TESSERA_BACKEND';

export interface InitBackendOptions {
  /** Use exactly this backend; fails with `E_BACKEND_UNAVAILABLE` if it cannot be used. */
  backend?: BackendName;
}

export interface BackendInitializer {
  /**
   * Chooses and activates a backend: the explicit option, else `TESSERA_BACKEND`, else the most
   * preferred available one. The backend's package fills the kernels it lacks for training.
   */
  initBackend(options?: InitBackendOptions): Promise<BackendInfo>;
  /** Every known backend in order of preference, with whether it can be used here. */
  listBackends(): Promise<BackendCandidate[]>;
  /** The backend the last successful `initBackend` activated, if any. */
  activeBackend(): BackendInfo | undefined;
}

/** Builds an initializer over a list of adapters, most preferred first. */
export function createBackendInitializer(adapters: readonly BackendAdapter[]): BackendInitializer {
  const names = adapters.map((adapter) => adapter.name);
  let active: BackendInfo | undefined;

  const listBackends = () =>
    Promise.all(adapters.map(async (adapter) => ({ name: adapter.name, ...(await adapter.isAvailable()) })));

  const findAdapter = (name: string, source: string): BackendAdapter => {
    const adapter = adapters.find((candidate) => candidate.name === name);
    if (adapter === undefined) {
      throw new TesseraError(
        'E_BACKEND_UNKNOWN',
        `unknown backend '${name}' (from ${source}); choose one of: ${names.join(', ')}`,
        { category: 'not-found' },
      );
    }
    return adapter;
  };

  const activate = async (
    adapter: BackendAdapter,
    selectedBy: BackendInfo['selectedBy'],
    reason: string,
    candidates: BackendCandidate[],
  ): Promise<BackendInfo> => {
    const { filledKernels, overriddenKernels } = (await adapter.activate()) ?? {};
    active = {
      name: adapter.name,
      device: adapter.device,
      tfjsBackendName: adapter.tfjsBackendName,
      selectedBy,
      reason,
      filledKernels: filledKernels ?? [],
      overriddenKernels: overriddenKernels ?? [],
      candidates,
    };
    return active;
  };

  async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
    const fromEnvironment = process.env[BACKEND_ENVIRONMENT_VARIABLE]?.trim();
    if (options.backend !== undefined || (fromEnvironment !== undefined && fromEnvironment !== '')) {
      const selectedBy = options.backend !== undefined ? 'option' : 'environment';
      const source = selectedBy === 'option' ? 'the backend option' : `${BACKEND_ENVIRONMENT_VARIABLE}`;
      const adapter = findAdapter(options.backend ?? (fromEnvironment as string), source);
      // Named by the user: a backend never chosen by preference (a software GPU) may say yes.
      const availability = await adapter.isAvailable({ explicit: true });
      if (!availability.available) {
        throw new TesseraError(
          'E_BACKEND_UNAVAILABLE',
          `backend '${adapter.name}' requested by ${source} is unavailable: ${availability.detail}`,
          { category: 'unavailable' },
        );
      }
      return activate(adapter, selectedBy, `requested by ${source}`, [{ name: adapter.name, ...availability }]);
    }

    const candidates: BackendCandidate[] = [];
    for (const [index, adapter] of adapters.entries()) {
      const availability = await adapter.isAvailable();
      candidates.push({ name: adapter.name, ...availability });
      if (!availability.available) continue;
      try {
        const skipped = candidates.filter((candidate) => !candidate.available).map((candidate) => candidate.name);
        const reason =
          skipped.length === 0
            ? 'the most preferred backend, and available'
            : `the most preferred available backend (unavailable: ${skipped.join(', ')})`;
        const info = await activate(adapter, 'preference', reason, candidates);
        // Complete the picture with the less preferred backends, for `tessera backend` and logs.
        for (const rest of adapters.slice(index + 1))
          candidates.push({ name: rest.name, ...(await rest.isAvailable()) });
        return info;
      } catch (error) {
        // A backend that loads but cannot start (e.g. a GPU build without a driver) must not
        // stop the program when a slower one would do: record why and try the next.
        const last = candidates[candidates.length - 1] as BackendCandidate;
        last.available = false;
        last.detail = `failed to activate: ${(error as Error).message.split('\n')[0]}`;
      }
    }
    throw new TesseraError(
      'E_BACKEND_UNAVAILABLE',
      `no backend could be activated: ${candidates.map((candidate) => `${candidate.name} (${candidate.detail})`).join('; ')}`,
      { category: 'unavailable' },
    );
  }

  return { initBackend, listBackends, activeBackend: () => active };
}

const builtinInitializer = createBackendInitializer(builtinBackendAdapters);

/** Chooses and activates a backend; see {@link BackendInitializer.initBackend}. */
export const initBackend = builtinInitializer.initBackend;
/** Every built-in backend in order of preference, with whether it can be used here. */
export const listBackends = builtinInitializer.listBackends;
/** The backend the last successful `initBackend` activated, if any. */
export const activeBackend = builtinInitializer.activeBackend;

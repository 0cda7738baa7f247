import { createContext, runInContext } from 'node:vm';
import { isTesseraError } from '@tessera/core';

/**
 * A small harness for the seeded fuzz suites beside each package's parsers (vision's image decoder,
 * recsys's ratings CSV, trainers' run configs; one copy for all, imported by their tests): runs each case under a time bound and sorts its
 * outcome into `ok`, the TesseraError code, or a failure: `hang` (over the bound), `raw` (any other
 * error), `garbage` (accepted although the case's oracle recognises the input as invalid) or
 * `refused` (rejected although the oracle says the input is valid).
 *
 * The bound is enforced with `vm`'s timeout, which terminates synchronous JavaScript, so a decoder
 * stuck in a loop fails its case instead of blocking the test run.
 */

export interface FuzzCase<Input> {
  /** How the input was made (the mutation's name), for the failure list. */
  name: string;
  input: Input;
  /** True when the input is known to be valid: refusing it is then a failure ('refused'). */
  valid?: boolean;
}

export interface FuzzReport {
  /** Cases by outcome: 'ok', each error code, and any 'hang' / 'raw' / 'garbage' / 'refused'. */
  counts: Record<string, number>;
  /** One line per failing case: `#index name: outcome detail`. */
  failures: string[];
  /** Failing cases by mutation name and outcome, e.g. `{ 'truncate: raw': 12 }`. */
  failureCounts: Record<string, number>;
}

export interface FuzzOptions<Input, Result> {
  /** Milliseconds one case may run (default 1000). */
  timeLimitMs?: number;
  /** The oracle for accepted input: why the input (or what was made of it) is garbage, else undefined. */
  garbage?: (input: Input, result: Result) => string | undefined;
  /** Error messages must not leak these library-internal phrases (they are not Tessera's words). */
  forbiddenMessages?: readonly RegExp[];
}

const context = createContext({});

/** Runs the cases one by one; see the module comment for the outcome classes. */
export function runFuzzCases<Input, Result>(
  cases: Iterable<FuzzCase<Input>>,
  parse: (input: Input) => Result,
  options: FuzzOptions<Input, Result> = {},
): FuzzReport {
  const timeLimitMs = options.timeLimitMs ?? 1000;
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  const failureCounts: Record<string, number> = {};
  let index = 0;
  for (const { name, input, valid } of cases) {
    const { outcome, detail } = classify(input, valid === true, parse, timeLimitMs, options);
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (['hang', 'raw', 'garbage', 'refused'].includes(outcome)) {
      failures.push(`#${index} ${name}: ${outcome} ${detail}`);
      failureCounts[`${name}: ${outcome}`] = (failureCounts[`${name}: ${outcome}`] ?? 0) + 1;
    }
    index++;
  }
  return { counts, failures, failureCounts };
}

function classify<Input, Result>(
  input: Input,
  valid: boolean,
  parse: (input: Input) => Result,
  timeLimitMs: number,
  options: FuzzOptions<Input, Result>,
): { outcome: string; detail: string } {
  let result: Result;
  context.run = () => parse(input);
  const started = performance.now();
  try {
    result = runInContext('run()', context, { timeout: timeLimitMs }) as Result;
  } catch (error) {
    const elapsed = Math.round(performance.now() - started);
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      return { outcome: 'hang', detail: `still running after ${elapsed} ms` };
    }
    if (!isTesseraError(error) || !error.message.startsWith(`${error.code}: `)) {
      return { outcome: 'raw', detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    const leaked = options.forbiddenMessages?.find((pattern) => pattern.test(error.message));
    if (leaked !== undefined) return { outcome: 'raw', detail: `internal message in ${error.message}` };
    if (valid) return { outcome: 'refused', detail: error.message };
    return { outcome: error.code, detail: '' };
  } finally {
    context.run = undefined;
  }
  const elapsed = performance.now() - started;
  if (elapsed > timeLimitMs) return { outcome: 'hang', detail: `took ${Math.round(elapsed)} ms` };
  const garbage = options.garbage?.(input, result);
  if (garbage !== undefined) return { outcome: 'garbage', detail: garbage };
  return { outcome: 'ok', detail: '' };
}

/** The number of cases: `fallback`, or TESSERA_FUZZ_CASES for a longer run (e.g. `npm run fuzz`). */
export function fuzzCaseCount(fallback: number): number {
  const requested = Number(process.env.TESSERA_FUZZ_CASES);
  return Number.isInteger(requested) && requested > 0 ? requested : fallback;
}

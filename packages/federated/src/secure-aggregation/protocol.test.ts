import { isTesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import reference from './fixtures/reference-vectors.json' with { type: 'json' };
import type { EncryptedShare, UnmaskingShares } from './protocol-messages.js';
import { secureAggregationThreshold } from './protocol-messages.js';
import { SecureAggregationClient } from './secure-aggregation-client.js';
import { type SecureAggregationResult, SecureAggregationServer } from './secure-aggregation-server.js';
import { seededRandomBytes } from './test-randomness.js';

interface Scenario {
  inputs: Float32Array[];
  dropoutTolerance: number;
  /** Indices of clients that vanish after advertising keys, before sharing them. */
  dropBeforeSharing?: number[];
  /** ... after sharing keys, before sending a masked input (their pairwise masks must be removed). */
  dropBeforeMasking?: number[];
  /** ... after sending a masked input, before unmasking (their input stays in the sum). */
  dropAfterMasking?: number[];
}

const ids = (count: number) => Array.from({ length: count }, (_, index) => `client-${String(index).padStart(2, '0')}`);

/** Runs one aggregation in memory, every message passing through the server as it would on the wire. */
function aggregate(scenario: Scenario, seed = 'protocol'): SecureAggregationResult {
  const names = ids(scenario.inputs.length);
  const clients = names.map(
    (clientId) => new SecureAggregationClient({ clientId, randomBytes: seededRandomBytes(`${seed}|${clientId}`) }),
  );
  const server = new SecureAggregationServer({
    vectorLength: scenario.inputs[0]!.length,
    dropoutTolerance: scenario.dropoutTolerance,
    randomBytes: seededRandomBytes(`${seed}|server`),
  });
  const gone = new Set<number>();
  const alive = () => clients.filter((_, index) => !gone.has(index));
  const roster = server.createRoster(clients.map((client) => client.advertiseKeys()));
  for (const index of scenario.dropBeforeSharing ?? []) gone.add(index);
  const shares = new Map<string, EncryptedShare[]>(
    alive().map((client) => [client.clientId, client.shareKeys(roster)]),
  );
  const { maskingSet, sharesByRecipient } = server.routeShares(shares);
  for (const index of scenario.dropBeforeMasking ?? []) gone.add(index);
  const masked = new Map<string, Uint32Array>(
    alive().map((client) => [
      client.clientId,
      client.maskInput(
        scenario.inputs[names.indexOf(client.clientId)]!,
        sharesByRecipient.get(client.clientId)!,
        maskingSet,
      ),
    ]),
  );
  const survivors = server.collectMaskedInputs(masked);
  for (const index of scenario.dropAfterMasking ?? []) gone.add(index);
  const responses = new Map<string, UnmaskingShares>(
    alive().map((client) => [client.clientId, client.unmask(survivors)]),
  );
  return server.unmask(responses);
}

function randomInputs(count: number, length: number, seed: string): Float32Array[] {
  const random = seededRandomBytes(seed);
  return Array.from({ length: count }, () => Float32Array.from(random(length), (byte) => (byte - 127.5) / 10));
}

function plainSum(inputs: Float32Array[], which: number[]): Float64Array {
  const sum = new Float64Array(inputs[0]!.length);
  for (const index of which)
    for (const [position, value] of inputs[index]!.entries()) sum[position] = (sum[position] as number) + value;
  return sum;
}

/** Largest difference from the plain sum, against the fixed-point tolerance n·2^-21 plus float32 rounding. */
function expectSumClose(result: SecureAggregationResult, expected: Float64Array, clientCount: number): void {
  let worst = 0;
  let largest = 0;
  expected.forEach((value, index) => {
    worst = Math.max(worst, Math.abs((result.sum[index] as number) - value));
    largest = Math.max(largest, Math.abs(value));
  });
  expect(worst).toBeLessThanOrEqual(clientCount * 2 ** -21 + largest * 2 ** -23);
}

describe('secure aggregation (Bonawitz et al. 2017)', { timeout: 30_000 }, () => {
  const inputs = randomInputs(5, 257, 'inputs');
  const all = [0, 1, 2, 3, 4];

  it('recovers the plain sum within the fixed-point tolerance when nobody drops out', () => {
    const result = aggregate({ inputs, dropoutTolerance: 2 });
    expect(result.survivors).toEqual(ids(5));
    expect(result.dropped).toEqual([]);
    expectSumClose(result, plainSum(inputs, all), 5);
  });

  it('recovers the sum of the survivors when t clients drop before masking (their pairwise masks are removed)', () => {
    const result = aggregate({ inputs, dropoutTolerance: 2, dropBeforeMasking: [1, 3] });
    expect(result.dropped).toEqual(['client-01', 'client-03']);
    expectSumClose(result, plainSum(inputs, [0, 2, 4]), 3);
  });

  it('keeps the inputs of clients that drop after masking (their self masks are removed)', () => {
    const result = aggregate({ inputs, dropoutTolerance: 2, dropAfterMasking: [0, 4] });
    expect(result.survivors).toEqual(ids(5));
    expectSumClose(result, plainSum(inputs, all), 5);
  });

  it('recovers the sum with t dropouts spread over the rounds', () => {
    const result = aggregate({ inputs, dropoutTolerance: 2, dropBeforeSharing: [2], dropAfterMasking: [4] });
    expectSumClose(result, plainSum(inputs, [0, 1, 3, 4]), 4);
  });

  it.each([
    ['before sharing', { dropBeforeSharing: [0, 1, 2] }, /sharing keys: only 2 of 5 clients remain and 3 are needed/],
    ['before masking', { dropBeforeMasking: [0, 2, 3] }, /collecting masked inputs: only 2 of 5/],
    ['after masking', { dropAfterMasking: [1, 2, 4] }, /unmasking: only 2 of 5/],
    ['across rounds', { dropBeforeMasking: [0, 1], dropAfterMasking: [2] }, /unmasking: only 2 of 5/],
  ])('fails cleanly with more than t dropouts (%s)', (_, drops, message) => {
    let caught: unknown;
    try {
      aggregate({ inputs, dropoutTolerance: 2, ...drops });
    } catch (error) {
      caught = error;
    }
    expect(isTesseraError(caught, 'E_SECURE_AGGREGATION_DROPOUTS')).toBe(true);
    expect(String(caught)).toMatch(message);
  });

  it('uses a strict-majority threshold whatever the tolerance asked for', () => {
    expect(secureAggregationThreshold(5, 2)).toBe(3);
    expect(secureAggregationThreshold(5, 4)).toBe(3);
    expect(secureAggregationThreshold(3, 1)).toBe(2);
    expect(secureAggregationThreshold(2, 1)).toBe(2);
    expect(secureAggregationThreshold(10, 0)).toBe(10);
  });

  it('never reveals both secrets of one peer: b-shares for survivors, key shares for dropped clients only', () => {
    const names = ids(3);
    const clients = names.map(
      (clientId) => new SecureAggregationClient({ clientId, randomBytes: seededRandomBytes(clientId) }),
    );
    const server = new SecureAggregationServer({
      vectorLength: 4,
      dropoutTolerance: 1,
      randomBytes: seededRandomBytes('s'),
    });
    const roster = server.createRoster(clients.map((client) => client.advertiseKeys()));
    const { maskingSet, sharesByRecipient } = server.routeShares(
      new Map(clients.map((client) => [client.clientId, client.shareKeys(roster)])),
    );
    for (const client of clients) client.maskInput([1, 2, 3, 4], sharesByRecipient.get(client.clientId)!, maskingSet);
    const revealed = clients[0]!.unmask(['client-00', 'client-01']);
    expect(revealed.selfMaskSeedShares.map((share) => share.owner)).toEqual(['client-00', 'client-01']);
    expect(revealed.maskingKeyShares.map((share) => share.owner)).toEqual(['client-02']);
    // A second request (e.g. claiming client-01 dropped after all) is refused.
    expect(() => clients[0]!.unmask(['client-00', 'client-02'])).toThrow(/E_SECURE_AGGREGATION_PHASE/);
    // Survivors that were never in the masking set, or too few of them, are refused.
    expect(() => clients[1]!.unmask(['client-01', 'client-09'])).toThrow(/E_SECURE_AGGREGATION_ROSTER/);
    expect(() => clients[1]!.unmask(['client-01'])).toThrow(/E_SECURE_AGGREGATION_DROPOUTS/);
  });

  it('rejects a share the server rerouted to another client', () => {
    const names = ids(3);
    const clients = names.map(
      (clientId) => new SecureAggregationClient({ clientId, randomBytes: seededRandomBytes(clientId) }),
    );
    const server = new SecureAggregationServer({ vectorLength: 2, randomBytes: seededRandomBytes('s') });
    const roster = server.createRoster(clients.map((client) => client.advertiseKeys()));
    const shares = new Map(clients.map((client) => [client.clientId, client.shareKeys(roster)]));
    const { maskingSet } = server.routeShares(shares);
    // client-02's share for client-00, relabelled as addressed to client-01.
    const stolen = shares.get('client-02')!.find((share) => share.to === 'client-00')!;
    const forClientOne = [
      shares.get('client-00')!.find((share) => share.to === 'client-01')!,
      { ...stolen, to: 'client-01' },
    ];
    expect(() => clients[1]!.maskInput([0, 0], forClientOne, maskingSet)).toThrow(/E_SECURE_AGGREGATION_DECRYPT/);
  });

  it("detects a wrong share when reconstructing a dropped client's key", () => {
    const names = ids(3);
    const clients = names.map(
      (clientId) => new SecureAggregationClient({ clientId, randomBytes: seededRandomBytes(clientId) }),
    );
    const server = new SecureAggregationServer({ vectorLength: 2, randomBytes: seededRandomBytes('s') });
    const roster = server.createRoster(clients.map((client) => client.advertiseKeys()));
    const { maskingSet, sharesByRecipient } = server.routeShares(
      new Map(clients.map((client) => [client.clientId, client.shareKeys(roster)])),
    );
    const masked = new Map(
      clients
        .slice(0, 2)
        .map((client) => [
          client.clientId,
          client.maskInput([1, 1], sharesByRecipient.get(client.clientId)!, maskingSet),
        ]),
    );
    const survivors = server.collectMaskedInputs(masked);
    const responses = new Map(clients.slice(0, 2).map((client) => [client.clientId, client.unmask(survivors)]));
    const tampered = responses.get('client-00')!;
    tampered.maskingKeyShares[0]!.y = (BigInt(`0x${tampered.maskingKeyShares[0]!.y}`) + 1n).toString(16);
    expect(() => server.unmask(responses)).toThrow(
      /E_SECURE_AGGREGATION_RECONSTRUCTION: the reconstructed masking key of client-02/,
    );
  });
});

describe('what the server sees of one client', { timeout: 30_000 }, () => {
  // A structured input the server might hope to recognise: a ramp, and an all-zero vector.
  const length = 65_536;
  const ramp = Float32Array.from({ length }, (_, index) => (index % 1000) / 1000 - 0.5);

  function maskedVector(input: Float32Array, seed: string): Uint32Array {
    const names = ids(3);
    const clients = names.map(
      (clientId) => new SecureAggregationClient({ clientId, randomBytes: seededRandomBytes(`${seed}|${clientId}`) }),
    );
    const server = new SecureAggregationServer({
      vectorLength: length,
      randomBytes: seededRandomBytes(`${seed}|server`),
    });
    const roster = server.createRoster(clients.map((client) => client.advertiseKeys()));
    const { maskingSet, sharesByRecipient } = server.routeShares(
      new Map(clients.map((client) => [client.clientId, client.shareKeys(roster)])),
    );
    return clients[0]!.maskInput(input, sharesByRecipient.get('client-00')!, maskingSet);
  }

  const { chiSquare255Critical001, kolmogorovCritical001 } = reference.uniformity;

  it.each([
    ['a ramp', ramp],
    ['zeros', new Float32Array(length)],
  ])('masks %s into values uniform over Z_{2^32} (chi-square and Kolmogorov–Smirnov at α = 0.001)', (_, input) => {
    const masked = maskedVector(input, 'uniformity');
    const bins = new Array<number>(256).fill(0);
    for (const value of masked) bins[value >>> 24] = (bins[value >>> 24] as number) + 1;
    const expected = length / 256;
    const chiSquare = bins.reduce((total, count) => total + (count - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(chiSquare255Critical001);

    const sorted = Float64Array.from(masked, (value) => value / 2 ** 32).sort();
    let distance = 0;
    sorted.forEach((value, index) => {
      distance = Math.max(distance, (index + 1) / length - value, value - index / length);
    });
    expect(distance * Math.sqrt(length)).toBeLessThan(kolmogorovCritical001);
  });

  it('is uncorrelated with the input', () => {
    const masked = maskedVector(ramp, 'correlation');
    const x = Array.from(ramp);
    const y = Array.from(masked, (value) => value / 2 ** 32);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const [meanX, meanY] = [mean(x), mean(y)];
    let covariance = 0;
    let varianceX = 0;
    let varianceY = 0;
    x.forEach((value, index) => {
      covariance += (value - meanX) * ((y[index] as number) - meanY);
      varianceX += (value - meanX) ** 2;
      varianceY += ((y[index] as number) - meanY) ** 2;
    });
    const correlation = covariance / Math.sqrt(varianceX * varianceY);
    // Under independence r·√n is approximately standard normal; 4 is a 6e-5 two-sided tail.
    expect(Math.abs(correlation) * Math.sqrt(length)).toBeLessThan(4);
  });

  it('adds a mask that does not depend on the input: masked(x) − masked(0) is exactly encode(x)', () => {
    const input = Float32Array.from({ length }, (_, index) => (index % 7) - 3);
    const zeros = maskedVector(new Float32Array(length), 'same');
    const difference = maskedVector(input, 'same').map((value, index) => value - (zeros[index] as number));
    expect(Array.from(difference.subarray(0, 7))).toEqual(
      [-3, -2, -1, 0, 1, 2, 3].map((value) => (value * 2 ** 20) >>> 0),
    );
  });
});

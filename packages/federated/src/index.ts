/**
 * @tessera/federated: privacy-preserving and federated training: DP-SGD and its accountant,
 * FedAvg / FedProx (simulated and networked over TLS), partitioners and secure aggregation.
 */

export { clientsPerRound, selectClients } from './federated-averaging/client-selection.js';
export type {
  FederatedAveragingOptions,
  FederatedAveragingResult,
  RoundSummary,
} from './federated-averaging/federated-averaging.js';
export { runFederatedAveraging } from './federated-averaging/federated-averaging.js';
export type {
  LocalTrainingOptions,
  LocalTrainingResult,
  OptimizerFactory,
} from './federated-averaging/local-training.js';
export { trainLocally } from './federated-averaging/local-training.js';
export type { ClientUpdate, ModelState } from './federated-averaging/model-state.js';
export {
  averagedEntryNames,
  flattenState,
  stateNorm,
  subtractState,
  unflattenState,
} from './federated-averaging/model-state.js';
export { proximalTerm } from './federated-averaging/proximal-term.js';
export type { AddedUpdate, UpdateAggregatorOptions } from './federated-averaging/update-aggregator.js';
export { applyDelta, UpdateAggregator } from './federated-averaging/update-aggregator.js';
export { clipUpdate } from './federated-averaging/update-clipping.js';
export { ClientTokens, generateClientToken } from './network/client-authentication.js';
export type { ClientEvent } from './network/client-events.js';
export type { ClientRoundStrategies } from './network/client-rounds/client-round-strategies.js';
export {
  clientRoundStrategies,
  plainRoundRefusalStrategy,
  strategyForRound,
} from './network/client-rounds/client-round-strategies.js';
export type {
  ClientRound,
  ClientRoundContext,
  ClientRoundStrategy,
  RoundRefusal,
  TrainedRound,
} from './network/client-rounds/client-round-strategy.js';
export { plainClientRoundStrategy } from './network/client-rounds/plain-round-strategy.js';
export { secureAggregationClientRoundStrategy } from './network/client-rounds/secure-aggregation-round-strategy.js';
export { FederatedClient } from './network/federated-client.js';
export type { FederatedClientOptions } from './network/federated-client-options.js';
export { FederatedServer } from './network/federated-server.js';
export type { FederatedServerOptions, SecureAggregationSettings } from './network/federated-server-options.js';
export type { ClientMessage, RoundAddress, RoundConfig, ServerMessage } from './network/messages.js';
export type { AcceptResponse, CollectedResponses } from './network/response-collector.js';
export type { ServerRoundRecord, ServerState } from './network/server-checkpoint.js';
export { loadServerCheckpoint } from './network/server-checkpoint.js';
export type { ServerEvent } from './network/server-events.js';
export type { PlainRoundSettings } from './network/server-rounds/plain-round-strategy.js';
export { plainServerRoundStrategy } from './network/server-rounds/plain-round-strategy.js';
export type { SecureAggregationRoundSettings } from './network/server-rounds/secure-aggregation-round-strategy.js';
export { secureAggregationServerRoundStrategy } from './network/server-rounds/secure-aggregation-round-strategy.js';
export { serverRoundStrategy } from './network/server-rounds/server-round-strategies.js';
export type {
  RoundContext,
  RoundOutcome,
  ServerRoundStrategy,
} from './network/server-rounds/server-round-strategy.js';
export type { DirichletPartitionOptions } from './partitioning/dirichlet-partition.js';
export { partitionByDirichlet } from './partitioning/dirichlet-partition.js';
export type { IidPartitionOptions } from './partitioning/iid-partition.js';
export { partitionIid } from './partitioning/iid-partition.js';
export type { LabelShardPartitionOptions } from './partitioning/label-shard-partition.js';
export { partitionByLabelShards } from './partitioning/label-shard-partition.js';
export type { ClientPartition } from './partitioning/partition.js';
export { labelCountsPerClient } from './partitioning/partition.js';
export type {
  ComputeEpsilonOptions,
  ComputeNoiseMultiplierOptions,
  NoiseMultiplierResult,
  PrivacySpent,
} from './privacy/accountant/privacy-spent.js';
export { computeEpsilon, computeNoiseMultiplier, rdpToEpsilon } from './privacy/accountant/privacy-spent.js';
export type { PrivacyHistoryEntry } from './privacy/accountant/rdp-accountant.js';
export { RdpAccountant } from './privacy/accountant/rdp-accountant.js';
export type { SampledGaussianOptions } from './privacy/accountant/sampled-gaussian-rdp.js';
export { computeRdp, DEFAULT_RDP_ORDERS } from './privacy/accountant/sampled-gaussian-rdp.js';
export type {
  DifferentiallyPrivateSGDOptions,
  PrivateStepStatistics,
} from './privacy/dp-sgd/differentially-private-sgd.js';
export { DifferentiallyPrivateSGD } from './privacy/dp-sgd/differentially-private-sgd.js';
export type { GaussianNoise } from './privacy/dp-sgd/gaussian-noise.js';
export { createGaussianNoise } from './privacy/dp-sgd/gaussian-noise.js';
export type { MakePrivateOptions, PrivateTraining } from './privacy/dp-sgd/make-private.js';
export { makePrivate } from './privacy/dp-sgd/make-private.js';
export type { PoissonSampledLoaderOptions } from './privacy/dp-sgd/poisson-sampled-loader.js';
export { PoissonSampledLoader } from './privacy/dp-sgd/poisson-sampled-loader.js';
export { privacyCheckpointing } from './privacy/dp-sgd/privacy-checkpointing.js';
export type { PerExampleContribution } from './privacy/per-example/contributions.js';
export type { LossReduction, RecordedBatch } from './privacy/per-example/example-gradient-recorder.js';
export { disposeRecordedBatch, ExampleGradientRecorder } from './privacy/per-example/example-gradient-recorder.js';
export type { PerExampleGradientsOptions } from './privacy/per-example/per-example-gradients.js';
export { perExampleGradients } from './privacy/per-example/per-example-gradients.js';
export {
  DEFAULT_FRACTIONAL_BITS,
  decodeFixedPoint,
  encodeFixedPoint,
  fixedPointRange,
} from './secure-aggregation/fixed-point.js';
export { expandMask } from './secure-aggregation/mask-expansion.js';
export type { RandomBytes } from './secure-aggregation/prime-field.js';
export { FIELD_PRIME } from './secure-aggregation/prime-field.js';
export type {
  AdvertisedKeys,
  EncryptedShare,
  RevealedShare,
  SecureAggregationRoster,
  UnmaskingShares,
} from './secure-aggregation/protocol-messages.js';
export { secureAggregationThreshold } from './secure-aggregation/protocol-messages.js';
export type { SecureAggregationClientOptions } from './secure-aggregation/secure-aggregation-client.js';
export { SecureAggregationClient } from './secure-aggregation/secure-aggregation-client.js';
export type {
  SecureAggregationResult,
  SecureAggregationServerOptions,
} from './secure-aggregation/secure-aggregation-server.js';
export { SecureAggregationServer } from './secure-aggregation/secure-aggregation-server.js';
export type { ShamirShare } from './secure-aggregation/shamir.js';
export { reconstructSecret, splitSecret } from './secure-aggregation/shamir.js';

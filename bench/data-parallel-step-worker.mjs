// One worker of bench/data-parallel-step.mjs: times a training step of bench/step-workloads.mjs on
// its share of the batch, gradients averaged across the group every step.
import { initBackend, joinDataParallel } from '@tessera/core';
import { stepWorkloads, timeSteps } from './step-workloads.mjs';

const group = joinDataParallel();
const { workload, backend, steps, warmup } = group.data;
await initBackend({ backend });
const { run, dispose } = stepWorkloads[workload]({ group });
for (let index = 0; index < warmup; index++) run();
group.barrier(); // start the clock together
const milliseconds = timeSteps(run, { warmup: 0, steps });
dispose();
group.report({ millisecondsPerStep: milliseconds });

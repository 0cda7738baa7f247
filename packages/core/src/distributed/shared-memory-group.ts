import { TesseraError } from '../errors.js';

/**
 * Collective operations (barrier, all-reduce mean, broadcast) between threads of one process
 * through one SharedArrayBuffer: what NCCL or Gloo do between PyTorch's DDP processes, for Node
 * worker threads. Every member calls the same operations in the same order; each call blocks
 * (Atomics.wait) until all members have arrived.
 *
 * Layout: a control block, one slot of `chunkLength` floats per member, and one result chunk.
 * Vectors longer than a chunk go through it piece by piece, so the buffer's size does not depend
 * on the model's. Per chunk, each member writes its slice into its slot, then sums one stripe of
 * the chunk over all slots into the result (a reduce-scatter), then everyone copies the result out
 * (an all-gather): every member gets bit-identical averages, as replicas must.
 */

const CONTROL_INTS = 4;
const CONTROL_BYTES = CONTROL_INTS * Int32Array.BYTES_PER_ELEMENT;
const ARRIVED = 0; // members that reached the current barrier
const GENERATION = 1; // barriers completed; waiters sleep on it
const ABORTED = 2; // 1 once the group is torn down (a member failed): waiters throw

/** Bytes a SharedArrayBuffer needs for `worldSize` members exchanging `chunkLength` floats at a time. */
export function sharedMemoryGroupBytes(worldSize: number, chunkLength: number): number {
  return CONTROL_BYTES + (worldSize + 1) * chunkLength * Float32Array.BYTES_PER_ELEMENT;
}

export class SharedMemoryGroup {
  readonly chunkLength: number;
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];
  private readonly result: Float32Array;

  constructor(
    buffer: SharedArrayBuffer,
    readonly rank: number,
    readonly worldSize: number,
  ) {
    if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new TesseraError('E_DATA_PARALLEL', `rank ${rank} is not a member of a group of ${worldSize}`);
    }
    const floats = (buffer.byteLength - CONTROL_BYTES) / Float32Array.BYTES_PER_ELEMENT;
    this.chunkLength = Math.floor(floats / (worldSize + 1));
    if (this.chunkLength < 1) {
      throw new TesseraError(
        'E_DATA_PARALLEL',
        `a ${buffer.byteLength}-byte buffer is too small for ${worldSize} members`,
      );
    }
    this.control = new Int32Array(buffer, 0, CONTROL_INTS);
    const chunkAt = (index: number) =>
      new Float32Array(buffer, CONTROL_BYTES + index * this.chunkLength * 4, this.chunkLength);
    this.slots = Array.from({ length: worldSize }, (_, member) => chunkAt(member));
    this.result = chunkAt(worldSize);
  }

  /** Tears the group down: members waiting now or later throw E_DATA_PARALLEL_ABORTED. Any thread may call it. */
  static abort(buffer: SharedArrayBuffer): void {
    const control = new Int32Array(buffer, 0, CONTROL_INTS);
    Atomics.store(control, ABORTED, 1);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
  }

  /** Returns once every member has called barrier as many times as this one. */
  barrier(): void {
    this.throwIfAborted();
    const generation = Atomics.load(this.control, GENERATION);
    if (Atomics.add(this.control, ARRIVED, 1) === this.worldSize - 1) {
      Atomics.store(this.control, ARRIVED, 0);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
      return;
    }
    while (Atomics.load(this.control, GENERATION) === generation) Atomics.wait(this.control, GENERATION, generation);
    this.throwIfAborted();
  }

  /** The element-wise mean of every member's `values` (same length everywhere), written over `values`. */
  allReduceMean(values: Float32Array): Float32Array {
    const scale = 1 / this.worldSize;
    const mine = this.slots[this.rank]!;
    for (let offset = 0; offset < values.length; offset += this.chunkLength) {
      const length = Math.min(this.chunkLength, values.length - offset);
      mine.set(values.subarray(offset, offset + length));
      this.barrier();
      // This member's stripe of the chunk, summed in rank order (the same order on every run).
      const stripe = Math.ceil(length / this.worldSize);
      const start = Math.min(length, this.rank * stripe);
      const end = Math.min(length, start + stripe);
      for (let index = start; index < end; index++) {
        let sum = 0;
        for (let member = 0; member < this.worldSize; member++) sum += this.slots[member]![index]!;
        this.result[index] = sum * scale;
      }
      this.barrier();
      values.set(this.result.subarray(0, length), offset);
      // The next chunk's first barrier keeps anyone from overwriting the result before all have read it.
    }
    this.barrier();
    return values;
  }

  /** Copies member `source`'s `values` over every other member's (same length everywhere). */
  broadcast(values: Float32Array, source = 0): Float32Array {
    for (let offset = 0; offset < values.length; offset += this.chunkLength) {
      const length = Math.min(this.chunkLength, values.length - offset);
      if (this.rank === source) this.result.set(values.subarray(offset, offset + length));
      this.barrier();
      if (this.rank !== source) values.set(this.result.subarray(0, length), offset);
      this.barrier();
    }
    return values;
  }

  private throwIfAborted(): void {
    if (Atomics.load(this.control, ABORTED) === 1) {
      throw new TesseraError(
        'E_DATA_PARALLEL_ABORTED',
        'another member of the data-parallel group failed or was stopped',
      );
    }
  }
}
